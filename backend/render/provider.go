// Package render runs render jobs: it checks prompts against the content
// policy, prices and charges them, queues them, and runs them on workers
// with providers (the local animatic, and video-generation APIs).
package render

import (
	"context"
	"math"

	"github.com/shotline/shotline/backend/shotline"
)

// Reference is an input file of a render, readable at URL (a short-lived
// presigned URL).
type Reference struct {
	URL         string
	ContentType string
	Name        string
}

// Provider makes videos. Implementations are safe for concurrent use.
type Provider interface {
	// Name is the provider's id, as shots name it ("animatic", "openai", …).
	Name() string
	// Cost estimates a render's credits before it is queued.
	Cost(model string, seconds float64, resolution string) int64
	// Render makes job's video as an MP4 file at dst, calling progress
	// with values from 0 to 1. Errors are *shotline.RenderError where the
	// provider can tell transient from permanent (anything else is taken
	// as transient); ctx ends on cancel or a lost lease.
	Render(ctx context.Context, job *shotline.RenderJob, refs []Reference, dst string, progress func(float64)) error
}

// perSecond prices seconds at rate credits per started second, doubled at
// 1080p.
func perSecond(rate int64, seconds float64, resolution string) int64 {
	c := rate * int64(math.Ceil(seconds))
	if resolution == "1080p" {
		c *= 2
	}
	return max(c, 1)
}
