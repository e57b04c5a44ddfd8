package http

import (
	"crypto/subtle"
	nethttp "net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/shotline/shotline/backend/shotline"
)

// serveMetrics serves /metrics (Prometheus' text format) to scrapers that
// send the token. Metrics say how busy the service is and nothing about
// anyone's content, but they are still not public.
func (s *Server) serveMetrics(token string) {
	h := adaptor.HTTPHandler(s.Metrics.Handler())
	s.app.Get("/metrics", func(c *fiber.Ctx) error {
		got := c.Get(fiber.HeaderAuthorization)
		if subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+token)) != 1 {
			return c.Status(nethttp.StatusUnauthorized).JSON(&APIError{Code: shotline.EUNAUTHORIZED, Message: "Send the metrics token as a bearer token."})
		}
		return h(c)
	})
}
