// Package shotline holds Shotline's domain: the types of a storyboard
// workspace, the rules that keep them consistent, and the interfaces of the
// services that store them. It imports only the standard library.
package shotline

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: clients match on them, so never rename one.
const (
	ECONFLICT     = "ECONFLICT"     // the action conflicts with the current state (duplicate, last owner, …)
	EINTERNAL     = "EINTERNAL"     // a bug or an unavailable dependency; details are logged, not shown
	EINVALID      = "EINVALID"      // the input is malformed or breaks a rule
	ENOTFOUND     = "ENOTFOUND"     // the thing does not exist or the caller may not know it exists
	EFORBIDDEN    = "EFORBIDDEN"    // the caller is known but their role does not allow the action
	EUNAUTHORIZED = "EUNAUTHORIZED" // no valid session, or wrong credentials
	ECSRF         = "ECSRF"         // a cookie-authenticated write without a valid CSRF token
	ETOOLARGE     = "ETOOLARGE"     // the request body is over the limit
	ERATELIMIT    = "ERATELIMIT"    // too many attempts; retry later
	EGONE         = "EGONE"         // the share link was revoked or has expired (details say which)
)

// Error is Shotline's one error type. Code is one of the E* constants and
// Message is safe to show to the user. Err, if set, is the internal cause; it
// is logged but never shown.
type Error struct {
	Code    string
	Message string
	Details []FieldError
	Err     error
}

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("shotline error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("shotline error: code=%s message=%s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Message: field + ": " + message, Details: []FieldError{{Field: field, Message: message}}}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message so that nothing internal leaks.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
