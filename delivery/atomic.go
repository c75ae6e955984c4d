package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
)

// remoteDir is what the atomic upload needs of a logged-in FTP or SFTP
// session. Errors come back classified (ErrPermissionDenied, …).
type remoteDir interface {
	// Put writes r to the remote path, creating or truncating it.
	Put(ctx context.Context, path string, r io.Reader) error
	// Rename moves from to to, replacing to when it exists.
	Rename(ctx context.Context, from, to string) error
	// Remove deletes path; callers treat it as best effort.
	Remove(ctx context.Context, path string) error
}

// remoteSession is a logged-in session: its directory and its end.
type remoteSession interface {
	remoteDir
	close()
}

// remoteUpload is one FTP or SFTP upload over a session from connect.
type remoteUpload struct {
	kind      string
	directory string
	manifest  bool
	connect   func(ctx context.Context) (remoteSession, error)
}

// send uploads f to <directory>/<name> by way of <name>.part, checks its
// size and sha256 before the rename, then writes the manifest the same way
// when configured. The receipt carries what was sent even on failure.
func (u remoteUpload) send(ctx context.Context, f File) (Receipt, error) {
	rc := Receipt{Kind: u.kind, Remote: remotePath(u.directory, f.Name)}
	if err := f.checkName(); err != nil {
		return rc, err
	}
	dir, err := u.connect(ctx)
	if err != nil {
		return rc, err
	}
	defer dir.close()
	body, err := f.Open()
	if err != nil {
		return rc, fmt.Errorf("open %s: %w", f.Name, err)
	}
	defer body.Close()
	cr := newCountingReader(body)
	err = u.storeAtomically(ctx, dir, rc.Remote, cr, func() error { return checkSum(f, cr.sum()) })
	rc.Bytes, rc.SHA256 = cr.n, cr.sum()
	if err != nil {
		return rc, err
	}
	if u.manifest {
		mpath := remotePath(u.directory, ManifestName(f.Name))
		if err := u.storeAtomically(ctx, dir, mpath, bytes.NewReader(manifestJSON(f, rc.Bytes, rc.SHA256)), nil); err != nil {
			return rc, fmt.Errorf("manifest: %w", err)
		}
		rc.Manifest = mpath
	}
	return rc, nil
}

// storeAtomically writes to path+".part", runs check, and renames; on
// failure it deletes the .part so a later attempt does not trip over it.
func (u remoteUpload) storeAtomically(ctx context.Context, dir remoteDir, path string, r io.Reader, check func() error) error {
	part := path + ".part"
	err := dir.Put(ctx, part, r)
	if err != nil {
		err = fmt.Errorf("upload %s: %w", part, err)
	}
	if err == nil && check != nil {
		err = check()
	}
	if err == nil {
		if err = dir.Rename(ctx, part, path); err != nil {
			err = fmt.Errorf("rename %s to %s: %w", part, path, err)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			_ = dir.Remove(ctx, part) // best effort; the error that matters is err
		}
		return fmt.Errorf("%s: %w", u.kind, ctxErr(ctx, err))
	}
	return nil
}
