package engine

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

type countingRows struct {
	n, max    int
	vals      [][]byte
	err       error
	truncated bool
	closed    bool
}

func (r *countingRows) Columns() []Column {
	return []Column{{"a", "UInt64"}, {"b", "Nullable(String)"}}
}
func (r *countingRows) Next() bool {
	if r.n >= r.max {
		return false
	}
	r.vals = [][]byte{[]byte(strconv.Itoa(r.n)), []byte("x" + strconv.Itoa(r.n))}
	r.n++
	return true
}
func (r *countingRows) Values() [][]byte  { return r.vals }
func (r *countingRows) IsNull(i int) bool { return i == 1 && r.n%3 == 0 }
func (r *countingRows) Truncated() bool   { return r.truncated }
func (r *countingRows) Err() error        { return r.err }
func (r *countingRows) Close() error      { r.closed = true; return nil }

func TestPrefetch_YieldsEveryRowInOrderWithNullsAcrossBatches(t *testing.T) {
	for _, total := range []int{0, 1, 7, 8, 9, 1000} {
		src := &countingRows{max: total, truncated: total == 9}
		rows := Prefetch(context.Background(), src, 8)
		i := 0
		for rows.Next() {
			v := rows.Values()
			if string(v[0]) != strconv.Itoa(i) || string(v[1]) != "x"+strconv.Itoa(i) {
				t.Fatalf("total %d: row %d = %q %q", total, i, v[0], v[1])
			}
			if rows.IsNull(1) != ((i+1)%3 == 0) {
				t.Fatalf("total %d: row %d null flag wrong", total, i)
			}
			i++
		}
		if i != total || rows.Err() != nil || rows.Truncated() != (total == 9) {
			t.Fatalf("total %d: got %d rows, err %v, truncated %v", total, i, rows.Err(), rows.Truncated())
		}
		rows.Close()
		if !src.closed {
			t.Fatal("source not closed")
		}
	}
}

func TestPrefetch_PassesTheSourceErrorAndStopsEarlyOnClose(t *testing.T) {
	boom := errors.New("boom")
	rows := Prefetch(context.Background(), &countingRows{max: 20, err: boom}, 8)
	n := 0
	for rows.Next() {
		n++
	}
	if n != 20 || !errors.Is(rows.Err(), boom) {
		t.Fatalf("n=%d err=%v", n, rows.Err())
	}
	rows.Close()
	src := &countingRows{max: 1 << 30}
	rows = Prefetch(context.Background(), src, 8)
	rows.Next()
	rows.Close() // must not hang nor read the whole source
	if src.n > 64 {
		t.Fatalf("read %d rows after close", src.n)
	}
}
