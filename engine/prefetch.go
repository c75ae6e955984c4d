package engine

import "context"

// Prefetch reads rows ahead in a goroutine, in batches, so decoding the
// warehouse stream and writing the output overlap on separate cores. The
// returned Rows owns rows and closes it.
func Prefetch(ctx context.Context, rows Rows, batchRows int) Rows {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetched{src: rows, cancel: cancel, batches: make(chan *rowBatch, 2), free: make(chan *rowBatch, 3)}
	for i := 0; i < 3; i++ {
		p.free <- &rowBatch{}
	}
	ncol := len(rows.Columns())
	go func() {
		defer close(p.batches)
		for {
			var b *rowBatch
			select {
			case b = <-p.free:
			case <-ctx.Done():
				return
			}
			b.reset()
			for b.n < batchRows && rows.Next() {
				vals := rows.Values()
				for i := 0; i < ncol; i++ {
					b.data = append(b.data, vals[i]...)
					b.ends = append(b.ends, len(b.data))
					b.nulls = append(b.nulls, rows.IsNull(i))
				}
				b.n++
			}
			last := b.n < batchRows
			if last {
				b.err, b.truncated = rows.Err(), rows.Truncated()
			}
			select {
			case p.batches <- b:
			case <-ctx.Done():
				return
			}
			if last {
				return
			}
		}
	}()
	p.vals = make([][]byte, ncol)
	return p
}

type rowBatch struct {
	data      []byte
	ends      []int
	nulls     []bool
	n         int
	err       error
	truncated bool
}

func (b *rowBatch) reset() {
	b.data, b.ends, b.nulls, b.n, b.err, b.truncated = b.data[:0], b.ends[:0], b.nulls[:0], 0, nil, false
}

type prefetched struct {
	src       Rows
	cancel    context.CancelFunc
	batches   chan *rowBatch
	free      chan *rowBatch
	cur       *rowBatch
	i         int
	vals      [][]byte
	nulls     []bool
	err       error
	truncated bool
	done      bool
}

func (p *prefetched) Columns() []Column { return p.src.Columns() }

func (p *prefetched) Next() bool {
	for !p.done && (p.cur == nil || p.i >= p.cur.n) {
		if p.cur != nil {
			p.free <- p.cur
			p.cur = nil
			if p.err != nil {
				p.done = true
				break
			}
		}
		b, ok := <-p.batches
		if !ok {
			p.done = true
			break
		}
		p.cur, p.i = b, 0
		if b.err != nil || b.truncated {
			p.err, p.truncated = b.err, b.truncated
		}
	}
	if p.done {
		return false
	}
	ncol := len(p.vals)
	base := p.i * ncol
	start := 0
	if base > 0 {
		start = p.cur.ends[base-1]
	}
	for c := 0; c < ncol; c++ {
		end := p.cur.ends[base+c]
		p.vals[c] = p.cur.data[start:end:end]
		start = end
	}
	p.nulls = p.cur.nulls[base : base+ncol]
	p.i++
	return true
}

func (p *prefetched) Values() [][]byte  { return p.vals }
func (p *prefetched) IsNull(i int) bool { return p.nulls[i] }
func (p *prefetched) Truncated() bool   { return p.truncated }
func (p *prefetched) Err() error        { return p.err }

// Close stops the reader and closes the source.
func (p *prefetched) Close() error {
	p.cancel()
	for range p.batches { // let the reader goroutine finish
	}
	return p.src.Close()
}
