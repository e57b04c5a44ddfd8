package render

import (
	"context"

	"github.com/shotline/shotline/backend/shotline"
)

// Exporter makes the file of an export job (Kind shotline.JobExport). The
// render workers run export jobs through it, on the same queue, leases,
// retries and retention as renders.
type Exporter interface {
	// Export writes the export's file to dst, reporting progress (0..1).
	// Its errors are classified like a provider's (shotline.RenderError);
	// anything else is transient.
	Export(ctx context.Context, j *shotline.RenderJob, dst string, progress func(float64)) error
}

// ExportKey is where an export's file is stored.
func ExportKey(j *shotline.RenderJob) string {
	return "workspaces/" + j.WorkspaceID + "/exports/" + j.ID + "." + shotline.ExportFormat(j.Format).Extension()
}
