// Package delivery sends a finished report file to where a schedule says:
// e-mail (SMTP), FTP, FTPES (explicit TLS), FTPS (implicit TLS) and SFTP.
//
// Each destination kind registers itself by name ("delivery.sftp", …) with a
// factory and a KindSpec: its label and every field of its JSON config (type,
// required, default, secret, label and help in pt-BR and English). The spec is
// the one description of a kind: the schedules store seals the fields it marks
// secret, the API serves it to the schedule form, and a test ties it to the
// config struct. Configs are validated with every problem reported together.
//
// FTP, FTPES, FTPS and SFTP share one atomic-upload flow (atomic.go): the file
// goes to "<name>.part", is checked, then renamed. E-mail is built with
// mime/multipart. WithRetry adds backoff and records every attempt; a Guard
// refuses internal addresses at dial time.
//
// The package depends only on the standard library, the protocol clients and
// the message catalog (engine/i18n, which imports nothing of relato: config
// problems carry a message id, so the API can say them in the reader's
// language); it must not import the rest of engine/, server/ or plugins/:
// callers hand it a File.
package delivery
