package asset

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/shotline/shotline/backend/shotline"
)

// maxThumb bounds a thumbnail's bytes (320 px wide JPEGs are far smaller).
const maxThumb = 4 << 20

// thumbnail makes a 320-pixel-wide JPEG of an image or of a clip's first
// frame. ffmpeg reads the object through a short-lived presigned URL (with
// range requests), so a clip is never copied to the app. A file ffmpeg
// cannot decode is refused: its bytes started like an accepted type but it
// is not one.
func (s *Service) thumbnail(ctx context.Context, key string) ([]byte, error) {
	url, err := s.Objects.PresignGet(ctx, key, 5*time.Minute, "")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	bin := s.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	cmd := exec.CommandContext(ctx, bin, "-nostdin", "-hide_banner", "-loglevel", "error",
		"-i", url, "-frames:v", "1", "-vf", "scale='min(320,iw)':-2,format=yuvj420p", "-f", "image2", "-c:v", "mjpeg", "-q:v", "5", "pipe:1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &limitedBuffer{buf: &out, max: maxThumb}, &limitedBuffer{buf: &errOut, max: 4096}
	if err := cmd.Run(); err != nil || out.Len() == 0 {
		if ctx.Err() != nil {
			return nil, shotline.Errorf(shotline.EINVALID, "The file could not be decoded in time.")
		}
		s.log().Info("thumbnail failed", "key", key, "err", err, "ffmpeg", strings.ReplaceAll(errOut.String(), url, "<presigned url>"))
		return nil, shotline.Errorf(shotline.EINVALID, "The file could not be decoded: it is damaged or not really the type it claims to be.")
	}
	return out.Bytes(), nil
}

// limitedBuffer keeps at most max bytes and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
