package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	nethttp "net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/shotline/shotline/backend/shotline"
)

// statusOf maps each error code to its HTTP status. This is the one table.
var statusOf = map[string]int{
	shotline.ECONFLICT:     nethttp.StatusConflict,
	shotline.EINTERNAL:     nethttp.StatusInternalServerError,
	shotline.EINVALID:      nethttp.StatusUnprocessableEntity,
	shotline.ENOTFOUND:     nethttp.StatusNotFound,
	shotline.EFORBIDDEN:    nethttp.StatusForbidden,
	shotline.EUNAUTHORIZED: nethttp.StatusUnauthorized,
	shotline.ECSRF:         nethttp.StatusForbidden,
	shotline.ETOOLARGE:     nethttp.StatusRequestEntityTooLarge,
	shotline.ERATELIMIT:    nethttp.StatusTooManyRequests,
	shotline.EGONE:         nethttp.StatusGone,
}

// codeOfStatus is the inverse, for errors raised by huma or Fiber themselves
// (malformed JSON, schema violations, oversized bodies, unknown routes).
func codeOfStatus(status int) string {
	switch status {
	case nethttp.StatusBadRequest, nethttp.StatusUnprocessableEntity, nethttp.StatusUnsupportedMediaType, nethttp.StatusMethodNotAllowed:
		return shotline.EINVALID
	case nethttp.StatusRequestEntityTooLarge:
		return shotline.ETOOLARGE
	case nethttp.StatusUpgradeRequired: // a plain request to the WebSocket endpoint
		return shotline.EINVALID
	}
	for code, s := range statusOf {
		if s == status && code != shotline.ECSRF {
			return code
		}
	}
	return shotline.EINTERNAL
}

// APIError is the body of every error response:
// {"code": "ENOTFOUND", "message": "Board not found.", "details": [...]}.
type APIError struct {
	status     int
	retryAfter int                   // seconds, for Retry-After; 0: none
	Code       string                `json:"code" doc:"Stable error code, e.g. EINVALID, ENOTFOUND, EFORBIDDEN."`
	Message    string                `json:"message" doc:"What went wrong, for people."`
	Details    []shotline.FieldError `json:"details,omitempty" doc:"Which input fields are invalid."`
}

// Error implements error.
func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// GetStatus implements huma.StatusError.
func (e *APIError) GetStatus() int { return e.status }

// GetHeaders implements huma.HeadersError: a rate-limited answer says when
// to retry.
func (e *APIError) GetHeaders() nethttp.Header {
	if e.retryAfter <= 0 {
		return nil
	}
	return nethttp.Header{"Retry-After": {strconv.Itoa(e.retryAfter)}}
}

// rateLimited returns ERATELIMIT (429) whose answer carries Retry-After:
// the whole seconds until wait is over. format gets args as Errorf's.
func rateLimited(wait time.Duration, format string, args ...any) *APIError {
	return &APIError{status: statusOf[shotline.ERATELIMIT], retryAfter: retryAfterSeconds(wait),
		Code: shotline.ERATELIMIT, Message: fmt.Sprintf(format, args...)}
}

// retryAfterSeconds rounds wait up to whole seconds, at least one.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

func init() {
	// Huma's own errors (bad JSON, schema violations, body too large) use our
	// error body too.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		e := &APIError{status: status, Code: codeOfStatus(status), Message: msg}
		for _, err := range errs {
			var d *huma.ErrorDetail
			if errors.As(err, &d) {
				e.Details = append(e.Details, shotline.FieldError{Field: strings.TrimPrefix(d.Location, "body."), Message: d.Message})
			} else if err != nil && status < 500 {
				e.Details = append(e.Details, shotline.FieldError{Message: err.Error()})
			}
		}
		if status == nethttp.StatusBadRequest && msg == "" {
			e.Message = "Malformed request."
		}
		return e
	}
}

// apiError translates any error into an APIError, logging internal ones with
// the request id: users see the code and message, never the cause.
func apiError(ctx context.Context, log *slog.Logger, err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	code := shotline.ErrorCode(err)
	e := &APIError{status: statusOf[code], Code: code, Message: shotline.ErrorMessage(err)}
	var se *shotline.Error
	if errors.As(err, &se) {
		e.Details = se.Details
	}
	if code == shotline.EINTERNAL {
		log.ErrorContext(ctx, "internal error", "err", err, "request_id", requestID(ctx))
	}
	return e
}

// writeError writes err as a response from inside a huma middleware.
func writeError(ctx huma.Context, e *APIError) {
	for k, v := range e.GetHeaders() {
		ctx.SetHeader(k, v[0])
	}
	ctx.SetHeader("Content-Type", "application/json")
	ctx.SetStatus(e.status)
	_ = json.NewEncoder(ctx.BodyWriter()).Encode(e)
}
