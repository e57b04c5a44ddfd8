package http

import (
	"github.com/gofiber/fiber/v2"
)

// docsPage is the API reference: Swagger UI on /api/openapi.json. Its
// script and styles come with the built frontend (dist/api-docs/, copied
// from npm's swagger-ui-dist by frontend/vite.config.ts), never from a CDN,
// so the page works offline and under a same-origin Content-Security-Policy.
const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shotline API</title>
<link rel="stylesheet" href="/api-docs/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"><noscript>The API reference needs JavaScript; the OpenAPI document is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript></main>
<script src="/api-docs/swagger-ui-bundle.js"></script>
<script src="/api-docs/init.js"></script>
</body>
</html>
`

// docsCSP lets Swagger UI run from the app's origin only; it sets inline
// styles, and shows data: images (its logo).
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

// serveDocs serves the API reference page at /api/docs.
func (s *Server) serveDocs() {
	s.app.Get("/api/docs", func(c *fiber.Ctx) error {
		c.Set("Content-Security-Policy", docsCSP)
		c.Set("Cache-Control", "no-cache")
		c.Type("html", "utf-8")
		return c.SendString(docsPage)
	})
}
