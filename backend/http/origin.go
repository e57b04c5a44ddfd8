package http

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// CanonicalOrigin returns origin (scheme://host[:port], as a browser sends
// it in the Origin header) in the form origins are compared in: scheme and
// host lower-case, the scheme's default port dropped. It fails for anything
// that is not an http or https origin without a path.
func CanonicalOrigin(origin string) (string, error) {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("origin %q: want scheme://host[:port] with http or https", origin)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") { // IPv6
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// sameOrigin reports whether origin, an Origin header, names this server:
// one of Config.PublicOrigins when set, else the origin the request was made
// to (https when the connection is TLS or cookies are marked Secure, which
// says a TLS proxy is in front; http otherwise; and the Host header). Scheme,
// host and port all count: https://host is another origin than http://host.
func (s *Server) sameOrigin(c *fiber.Ctx, origin string) bool {
	got, err := CanonicalOrigin(origin)
	if err != nil {
		return false
	}
	if len(s.origins) > 0 {
		for _, o := range s.origins {
			if got == o {
				return true
			}
		}
		return false
	}
	scheme := "http"
	if c.Context().IsTLS() || s.cfg.CookieSecure {
		scheme = "https"
	}
	want, err := CanonicalOrigin(scheme + "://" + string(c.Request().Host()))
	return err == nil && got == want
}
