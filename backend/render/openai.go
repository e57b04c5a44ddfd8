package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// OpenAI renders through an OpenAI-compatible /v1/videos API (OpenAI's own,
// and the gateways that keep its shape for other models): create a video
// (text to video, or image to video with an input reference), poll its
// status and progress, download its content.
type OpenAI struct {
	BaseURL string // up to /v1, e.g. https://api.openai.com/v1
	APIKey  string // sent as a bearer token; never logged
	Model   string // used when a shot names none; default "sora-2"
	Rate    int64  // credits per started second at 720p; default 10
	Client  *http.Client
	Poll    time.Duration // default 5s
	MaxWait time.Duration // default 30 minutes
}

var _ Provider = (*OpenAI)(nil)

// Name implements Provider.
func (o *OpenAI) Name() string { return "openai" }

// Cost implements Provider.
func (o *OpenAI) Cost(_ string, seconds float64, resolution string) int64 {
	rate := o.Rate
	if rate <= 0 {
		rate = 10
	}
	return perSecond(rate, seconds, resolution)
}

func (o *OpenAI) remote() remote { return remote{client: o.Client, poll: o.Poll, maxWait: o.MaxWait} }

// video is the API's video object.
type video struct {
	ID       string  `json:"id"`
	Object   string  `json:"object"`
	Status   string  `json:"status"` // queued, in_progress, completed, failed
	Progress float64 `json:"progress"`
	Error    *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (o *OpenAI) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(o.BaseURL, "/")+path, body)
	if err != nil {
		return nil, shotline.Permanent("The provider's address is not valid.", err)
	}
	req.Header.Set("Authorization", "Bearer "+o.APIKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

func openAIRefused(_ int, body []byte) (string, bool) {
	if msg := errorMessage(body); looksRefused(string(body)) {
		return "The provider refused this prompt: " + truncate(msg, 200), true
	}
	return "", false
}

// Render implements Provider.
func (o *OpenAI) Render(ctx context.Context, job *shotline.RenderJob, refs []Reference, dst string, progress func(float64)) error {
	r := o.remote()
	model := job.Model
	if model == "" {
		model = o.Model
	}
	if model == "" {
		model = "sora-2"
	}
	w, h := shotline.Size(job.AspectRatio, job.Resolution)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("model", model)
	_ = mw.WriteField("prompt", job.Prompt)
	_ = mw.WriteField("seconds", strconv.Itoa(int(job.Duration+0.999)))
	_ = mw.WriteField("size", fmt.Sprintf("%dx%d", w, h))
	for _, ref := range refs {
		if !strings.HasPrefix(ref.ContentType, "image/") {
			continue
		}
		data, err := fetchReference(ctx, r, ref)
		if err != nil {
			return err
		}
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name="input_reference"; filename=%q`, "reference"+extension(ref.ContentType)))
		hdr.Set("Content-Type", ref.ContentType)
		part, _ := mw.CreatePart(hdr)
		_, _ = part.Write(data)
		break // the API takes one input reference
	}
	_ = mw.Close()
	req, err := o.request(ctx, http.MethodPost, "/videos", &body, mw.FormDataContentType())
	if err != nil {
		return err
	}
	resp, err := r.do(req, openAIRefused)
	if err != nil {
		return err
	}
	var v video
	if err := decode(resp, &v); err != nil {
		return err
	}
	if v.ID == "" {
		return shotline.Permanent("The provider's answer has no video id.", nil)
	}
	deadline := time.Now().Add(r.deadline())
	for v.Status != "completed" {
		switch v.Status {
		case "failed":
			return o.failure(v)
		case "queued", "in_progress", "":
		default:
			return shotline.Permanent(fmt.Sprintf("The provider reported an unknown status %q.", v.Status), nil)
		}
		progress(min(max(v.Progress, 0), 100) / 100 * 0.9)
		if time.Now().After(deadline) {
			return shotline.Permanent(fmt.Sprintf("The provider did not finish the video within %s.", r.deadline()), nil)
		}
		if err := sleep(ctx, r.pollEvery()); err != nil {
			return err
		}
		req, err := o.request(ctx, http.MethodGet, "/videos/"+v.ID, nil, "")
		if err != nil {
			return err
		}
		resp, err := r.do(req, openAIRefused)
		if err != nil {
			return err
		}
		if err := decode(resp, &v); err != nil {
			return err
		}
	}
	progress(0.9)
	req, err = o.request(ctx, http.MethodGet, "/videos/"+v.ID+"/content", nil, "")
	if err != nil {
		return err
	}
	if err := r.download(req, dst, nil); err != nil {
		return err
	}
	progress(1)
	return nil
}

func (o *OpenAI) failure(v video) error {
	code, msg := "", "The provider could not make the video."
	if v.Error != nil {
		code = v.Error.Code
		if v.Error.Message != "" {
			msg = v.Error.Message
		}
	}
	switch {
	case looksRefused(code) || looksRefused(msg):
		return &shotline.RenderError{Kind: shotline.ErrRefused, Message: truncate(msg, 200)}
	case code == "server_error" || code == "internal_error" || code == "rate_limit_exceeded":
		return shotline.Transient("The provider failed: "+truncate(msg, 200), nil)
	}
	return shotline.Permanent("The provider failed: "+truncate(msg, 200), nil)
}

// fetchReference reads a reference image (at most 20 MiB) from its
// presigned URL.
func fetchReference(ctx context.Context, r remote, ref Reference) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref.URL, nil)
	if err != nil {
		return nil, shotline.Permanent("The reference file could not be read.", err)
	}
	resp, err := r.do(req, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 20<<20))
	if err != nil {
		return nil, shotline.Transient("The reference file could not be read.", err)
	}
	return data, nil
}

func extension(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	}
	return ".jpg"
}
