package render

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// remote is what the HTTP adapters share: a client, how often to poll and
// how long a job may take.
type remote struct {
	client   *http.Client
	poll     time.Duration // between status requests; default 5s
	maxWait  time.Duration // a job not done by then fails; default 30 minutes
	maxVideo int64         // largest download; default 2 GiB
}

func (r remote) httpClient() *http.Client {
	if r.client != nil {
		return r.client
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func (r remote) pollEvery() time.Duration {
	if r.poll > 0 {
		return r.poll
	}
	return 5 * time.Second
}

func (r remote) deadline() time.Duration {
	if r.maxWait > 0 {
		return r.maxWait
	}
	return 30 * time.Minute
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// do sends req and classifies failures: transport errors and timeouts,
// 408, 429 (with Retry-After) and 5xx are transient; other 4xx are
// permanent, or refusals when refused says the body is one. On success
// the body is left open for the caller.
func (r remote) do(req *http.Request, refused func(status int, body []byte) (string, bool)) (*http.Response, error) {
	resp, err := r.httpClient().Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, shotline.Transient("The provider could not be reached.", err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	msg := errorMessage(body)
	cause := fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, truncate(msg, 300))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, &shotline.RenderError{Kind: shotline.ErrTransient, Message: "The provider is rate limiting us; the render will be retried.",
			RetryAfter: retryAfter(resp.Header.Get("Retry-After")), Err: cause}
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return nil, shotline.Transient(fmt.Sprintf("The provider failed (%d); the render will be retried.", resp.StatusCode), cause)
	}
	if refused != nil {
		if why, ok := refused(resp.StatusCode, body); ok {
			return nil, &shotline.RenderError{Kind: shotline.ErrRefused, Message: why, Err: cause}
		}
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return nil, shotline.Permanent("The provider refused the server's API key; ask the operator to check it.", cause)
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return nil, shotline.Permanent("The provider rejected the request: "+truncate(msg, 200), cause)
}

// errorMessage digs the message out of the common error shapes:
// {"error": {"message": …}}, {"error": "…"}, {"detail": …}, {"message": …}.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &v) != nil {
		return strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	var nested struct {
		Message string `json:"message"`
	}
	var s string
	switch {
	case json.Unmarshal(v.Error, &nested) == nil && nested.Message != "":
		return nested.Message
	case json.Unmarshal(v.Error, &s) == nil && s != "":
		return s
	case json.Unmarshal(v.Detail, &s) == nil && s != "":
		return s
	case len(v.Detail) > 0:
		return string(v.Detail)
	}
	return v.Message
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// decode reads a JSON answer; an answer that is not the JSON expected is
// permanent (retrying gets the same answer).
func decode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(v); err != nil {
		return shotline.Permanent("The provider's answer could not be read.", fmt.Errorf("decode %s: %w", resp.Request.URL.Path, err))
	}
	return nil
}

// download streams an MP4 to dst, checking the length the server
// announced: a download cut short is transient.
func (r remote) download(req *http.Request, dst string, refused func(int, []byte) (string, bool)) error {
	resp, err := r.do(req, refused)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	limit := r.maxVideo
	if limit <= 0 {
		limit = 2 << 30
	}
	if resp.ContentLength > limit {
		return shotline.Permanent("The provider's video is too large.", nil)
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil && req.Context().Err() != nil:
		return req.Context().Err()
	case err != nil:
		return shotline.Transient("The video download broke off; it will be retried.", err)
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return shotline.Transient("The video download broke off; it will be retried.", fmt.Errorf("got %d of %d bytes", n, resp.ContentLength))
	case n > limit:
		return shotline.Permanent("The provider's video is too large.", nil)
	case n == 0:
		return shotline.Permanent("The provider returned an empty video.", nil)
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// moderationWords are what providers' refusals say about themselves.
var moderationWords = []string{"moderation", "content_policy", "content policy", "safety", "policy_violation", "blocked"}

func looksRefused(s string) bool {
	s = strings.ToLower(s)
	for _, w := range moderationWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
