// Package delivery sends a finished report file to where a schedule says:
// e-mail (SMTP), FTP, FTPES (explicit TLS), FTPS (implicit TLS) and SFTP.
//
// Each destination kind registers itself by name ("delivery.sftp", …) with a
// JSON config, validated with every problem reported together. Uploads go to
// "<name>.part" and are renamed when complete (one flow, atomic.go, for FTP,
// FTPES, FTPS and SFTP); WithRetry adds backoff and
// records every attempt; a Guard refuses internal addresses at dial time.
//
// The package depends only on the standard library and the protocol clients;
// it must not import engine/, server/ or plugins/: callers hand it a File.
package delivery
