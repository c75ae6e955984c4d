package export

// SQLRendered switches the warehouse-rendered CSV path for tests, and
// SQLRenderedRuns counts the files it wrote, so a test can tell which path
// wrote a file.
var (
	SQLRendered     = &sqlRendered
	SQLRenderedRuns = &sqlRenderedRuns
)
