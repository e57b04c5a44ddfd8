package http

import (
	"context"
	nethttp "net/http"
	"time"
)

type healthOutput struct {
	Body struct {
		Status string            `json:"status" enum:"ok,unavailable"`
		Checks map[string]string `json:"checks,omitempty" doc:"Per dependency: ok or what failed."`
	}
}

type readyOutput struct {
	Status int
	Body   struct {
		Status string            `json:"status" enum:"ok,unavailable"`
		Checks map[string]string `json:"checks,omitempty" doc:"Per dependency: ok or what failed."`
	}
}

func (s *Server) registerHealth() {
	register(s, Route{ID: "healthz", Method: nethttp.MethodGet, Path: "/healthz", Tag: "health",
		Summary: "Liveness: the process answers", Scope: ScopePublic},
		func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
			out := &healthOutput{}
			out.Body.Status = "ok"
			return out, nil
		})
	register(s, Route{ID: "readyz", Method: nethttp.MethodGet, Path: "/readyz", Tag: "health",
		Summary: "Readiness: MongoDB and the object store answer (503 if not)", Scope: ScopePublic},
		func(ctx context.Context, _ *struct{}) (*readyOutput, error) {
			out := &readyOutput{Status: nethttp.StatusOK}
			out.Body.Status, out.Body.Checks = "ok", map[string]string{}
			if s.cfg.Ready == nil {
				return out, nil
			}
			ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			for name, err := range s.cfg.Ready(ctx) {
				out.Body.Checks[name] = "ok"
				if err != nil {
					// The cause goes to the log; the probe only needs to know which.
					s.log.WarnContext(ctx, "readiness check failed", "check", name, "err", err)
					out.Body.Checks[name] = "unavailable"
					out.Status, out.Body.Status = nethttp.StatusServiceUnavailable, "unavailable"
				}
			}
			return out, nil
		})
}
