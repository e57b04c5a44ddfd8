package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// Fal renders through fal.ai's queue API, a different shape from
// /v1/videos: submit the model's input to https://queue.fal.run/{model},
// poll the request's status_url (IN_QUEUE, IN_PROGRESS, COMPLETED), read
// the result from its response_url ({"video": {"url": …}}) and download the
// video from that URL. A canceled render is canceled there too.
type Fal struct {
	BaseURL string // default https://queue.fal.run
	APIKey  string // sent as "Authorization: Key …"; never logged
	Model   string // a text-to-video model id, used when a shot names none
	// ImageModel is used for shots with a reference image (sent as a data
	// URI in image_url); empty renders those as text to video.
	ImageModel string
	Rate       int64 // credits per started second at 720p; default 10
	Client     *http.Client
	Poll       time.Duration // default 5s
	MaxWait    time.Duration // default 30 minutes
}

var _ Provider = (*Fal)(nil)

// Name implements Provider.
func (f *Fal) Name() string { return "fal" }

// Cost implements Provider.
func (f *Fal) Cost(_ string, seconds float64, resolution string) int64 {
	rate := f.Rate
	if rate <= 0 {
		rate = 10
	}
	return perSecond(rate, seconds, resolution)
}

type falQueued struct {
	RequestID   string `json:"request_id"`
	ResponseURL string `json:"response_url"`
	StatusURL   string `json:"status_url"`
	CancelURL   string `json:"cancel_url"`
}

type falStatus struct {
	Status        string          `json:"status"`
	QueuePosition int             `json:"queue_position"`
	Error         json.RawMessage `json:"error"`
	ErrorType     string          `json:"error_type"`
}

type falResult struct {
	Video *struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	} `json:"video"`
}

func (f *Fal) base() string {
	if f.BaseURL == "" {
		return "https://queue.fal.run"
	}
	return strings.TrimSuffix(f.BaseURL, "/")
}

func (f *Fal) request(ctx context.Context, method, u string, body []byte) (*http.Request, error) {
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, shotline.Permanent("The provider's address is not valid.", err)
	}
	req.Header.Set("Authorization", "Key "+f.APIKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func falRefused(_ int, body []byte) (string, bool) {
	if looksRefused(string(body)) {
		return "The provider refused this prompt: " + truncate(errorMessage(body), 200), true
	}
	return "", false
}

// sameHost keeps the adapter (and its key) talking to the queue's host
// only, whatever URLs an answer contains.
func (f *Fal) sameHost(u string) error {
	want, err1 := url.Parse(f.base())
	got, err2 := url.Parse(u)
	if err1 != nil || err2 != nil || got.Host != want.Host || got.Scheme != want.Scheme {
		return shotline.Permanent("The provider's answer points at another host.", fmt.Errorf("%q", u))
	}
	return nil
}

// Render implements Provider.
func (f *Fal) Render(ctx context.Context, job *shotline.RenderJob, refs []Reference, dst string, progress func(float64)) error {
	r := remote{client: f.Client, poll: f.Poll, maxWait: f.MaxWait}
	model := job.Model
	if model == "" {
		model = f.Model
	}
	input := map[string]any{"prompt": job.Prompt, "duration": strconv.Itoa(int(job.Duration + 0.999)), "aspect_ratio": job.AspectRatio}
	if job.Notes != "" {
		input["negative_prompt"] = job.Notes
	}
	for _, ref := range refs {
		if f.ImageModel == "" || !strings.HasPrefix(ref.ContentType, "image/") {
			continue
		}
		data, err := fetchReference(ctx, r, ref)
		if err != nil {
			return err
		}
		input["image_url"] = "data:" + ref.ContentType + ";base64," + base64.StdEncoding.EncodeToString(data)
		if job.Model == "" {
			model = f.ImageModel
		}
		break
	}
	if model == "" {
		return shotline.Permanent("No fal model is configured for this shot.", nil)
	}
	body, _ := json.Marshal(input)
	req, err := f.request(ctx, http.MethodPost, f.base()+"/"+strings.TrimPrefix(model, "/"), body)
	if err != nil {
		return err
	}
	resp, err := r.do(req, falRefused)
	if err != nil {
		return err
	}
	var q falQueued
	if err := decode(resp, &q); err != nil {
		return err
	}
	if q.RequestID == "" || q.StatusURL == "" || q.ResponseURL == "" {
		return shotline.Permanent("The provider's answer has no request id.", nil)
	}
	for _, u := range []string{q.StatusURL, q.ResponseURL} {
		if err := f.sameHost(u); err != nil {
			return err
		}
	}
	if err := f.wait(ctx, r, q, progress); err != nil {
		if ctx.Err() != nil && q.CancelURL != "" && f.sameHost(q.CancelURL) == nil {
			// Stop paying for a render nobody wants any more.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if req, err := f.request(cctx, http.MethodPut, q.CancelURL, nil); err == nil {
				if resp, err := r.do(req, nil); err == nil {
					resp.Body.Close()
				}
			}
			cancel()
		}
		return err
	}
	req, err = f.request(ctx, http.MethodGet, q.ResponseURL, nil)
	if err != nil {
		return err
	}
	resp, err = r.do(req, falRefused)
	if err != nil {
		return err
	}
	var res falResult
	if err := decode(resp, &res); err != nil {
		return err
	}
	if res.Video == nil || res.Video.URL == "" {
		return shotline.Permanent("The provider's result has no video.", nil)
	}
	progress(0.9)
	// The video is on fal's CDN: no key goes there.
	dl, err := http.NewRequestWithContext(ctx, http.MethodGet, res.Video.URL, nil)
	if err != nil {
		return shotline.Permanent("The provider's video URL is not valid.", err)
	}
	if err := r.download(dl, dst, nil); err != nil {
		return err
	}
	progress(1)
	return nil
}

// wait polls the request's status until it is COMPLETED.
func (f *Fal) wait(ctx context.Context, r remote, q falQueued, progress func(float64)) error {
	deadline := time.Now().Add(r.deadline())
	for {
		req, err := f.request(ctx, http.MethodGet, q.StatusURL, nil)
		if err != nil {
			return err
		}
		resp, err := r.do(req, falRefused)
		if err != nil {
			return err
		}
		var st falStatus
		if err := decode(resp, &st); err != nil {
			return err
		}
		switch st.Status {
		case "COMPLETED":
			if len(st.Error) > 0 && string(st.Error) != "null" {
				msg := errorMessage([]byte(`{"error":` + string(st.Error) + `}`))
				if looksRefused(msg) || looksRefused(st.ErrorType) {
					return &shotline.RenderError{Kind: shotline.ErrRefused, Message: truncate(msg, 200)}
				}
				return shotline.Permanent("The provider failed: "+truncate(msg, 200), nil)
			}
			return nil
		case "IN_QUEUE":
			progress(0.05)
		case "IN_PROGRESS":
			progress(0.4)
		default:
			return shotline.Permanent(fmt.Sprintf("The provider reported an unknown status %q.", st.Status), nil)
		}
		if time.Now().After(deadline) {
			return shotline.Permanent(fmt.Sprintf("The provider did not finish the video within %s.", r.deadline()), nil)
		}
		if err := sleep(ctx, r.pollEvery()); err != nil {
			return err
		}
	}
}
