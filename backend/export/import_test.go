package export_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/shotline/shotline/backend/export"
	"github.com/shotline/shotline/backend/shotline"
)

// entry is one file of a test archive; mode and method are optional.
type entry struct {
	name   string
	data   []byte
	mode   fs.FileMode
	method uint16
}

func archive(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: e.method}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sum(data []byte) string { h := sha256.Sum256(data); return hex.EncodeToString(h[:]) }

// manifest returns a valid manifest of one board with one shot whose
// reference file is files[0] (if any), declaring files; edit changes it.
func manifest(t *testing.T, files map[string][]byte, edit func(m map[string]any)) []byte {
	t.Helper()
	declared := []any{}
	assets := []any{}
	for name, data := range files {
		declared = append(declared, map[string]any{"path": name, "size": len(data), "sha256": sum(data)})
		assets = append(assets, map[string]any{"id": "a-" + name, "shotIds": []string{"s1"}, "kind": "image", "contentType": "image/png",
			"name": "ref.png", "size": len(data), "file": name, "createdAt": "2026-12-01T00:00:00Z"})
	}
	m := map[string]any{"format": export.BundleFormat, "version": 1, "createdAt": "2026-12-01T00:00:00Z", "project": map[string]any{"name": "P"},
		"files": declared,
		"boards": []any{map[string]any{"id": "b1", "projectId": "p1", "title": "Board", "description": "", "aspectRatio": "16:9",
			"defaultShotDuration": 3, "comments": []any{}, "renders": []any{}, "assets": assets,
			"shots": []any{map[string]any{"id": "s1", "position": "a0", "number": 1, "title": "One", "prompt": "p", "notes": "",
				"duration": 2, "aspectRatio": "16:9", "status": "draft", "review": "none", "provider": "", "model": "", "settings": map[string]any{}}}}}}
	if edit != nil {
		edit(m)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func read(data []byte, limits export.ImportLimits) error {
	_, err := export.ReadBundle(bytes.NewReader(data), int64(len(data)), limits)
	return err
}

func TestReadBundleAcceptsAValidBundle(t *testing.T) {
	png := []byte("\x89PNG fake bytes")
	files := map[string][]byte{"boards/b1/assets/a1": png}
	data := archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json", data: manifest(t, files, nil), method: zip.Deflate})
	b, err := export.ReadBundle(bytes.NewReader(data), int64(len(data)), export.ImportLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.Bytes, int64(len(png)); got != want {
		t.Errorf("bytes = %d, want %d", got, want)
	}
	if got := len(b.Manifest.Boards[0].Shots); got != 1 {
		t.Errorf("shots = %d, want 1", got)
	}
}

// TestHostileBundles: every hostile archive is refused, with its code and
// a message that says why, before anything is stored.
func TestHostileBundles(t *testing.T) {
	png := []byte("\x89PNG fake bytes")
	ok := map[string][]byte{"boards/b1/assets/a1": png}
	valid := manifest(t, ok, nil)
	zeros := bytes.Repeat([]byte{0}, 50<<20)
	validZip := archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json", data: valid})
	tests := []struct {
		name   string
		data   []byte
		limits export.ImportLimits
		code   string
		msg    string
	}{
		{"not a zip", []byte("hello, not an archive"), export.ImportLimits{}, shotline.EINVALID, "not a ZIP"},
		{"truncated", validZip[:len(validZip)/2], export.ImportLimits{}, shotline.EINVALID, "truncated"},
		{"zip slip", archive(t, entry{name: "../../evil.sh", data: png}, entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "plain relative path"},
		{"zip slip inside", archive(t, entry{name: "boards/../../evil.sh", data: png}, entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "relative path"},
		{"absolute path", archive(t, entry{name: "/etc/cron.d/evil", data: png}, entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "absolute path"},
		{"windows path", archive(t, entry{name: `C:\evil`, data: png}, entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "absolute path"},
		{"symlink", archive(t, entry{name: "boards/b1/assets/a1", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777},
			entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "symbolic link"},
		{"directory", archive(t, entry{name: "boards/", mode: fs.ModeDir | 0o755}, entry{name: "boards/b1/assets/a1", data: png},
			entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "directory"},
		{"zip bomb ratio", archive(t, entry{name: "boards/b1/assets/a1", data: zeros, method: zip.Deflate},
			entry{name: "manifest.json", data: manifest(t, map[string][]byte{"boards/b1/assets/a1": zeros}, nil)}), export.ImportLimits{}, shotline.ETOOLARGE, "zip bomb"},
		{"total size", validZip, export.ImportLimits{MaxTotal: 4}, shotline.ETOOLARGE, "unpacks to more than"},
		{"archive size", validZip, export.ImportLimits{MaxSize: 100}, shotline.ETOOLARGE, "the limit is"},
		{"too many files", validZip, export.ImportLimits{MaxFiles: 1}, shotline.ETOOLARGE, "holds 2 files"},
		{"more files than declared", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "boards/b1/extra", data: png},
			entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "declares 1"},
		{"declared but missing", archive(t, entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "declared but missing"},
		{"no manifest", archive(t, entry{name: "boards/b1/assets/a1", data: png}), export.ImportLimits{}, shotline.EINVALID, "manifest.json is missing"},
		{"newer version", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) { m["version"] = 2 })}), export.ImportLimits{}, shotline.EINVALID, "newer than this server"},
		{"other format", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) { m["format"] = "zip" })}), export.ImportLimits{}, shotline.EINVALID, "not a Shotline bundle"},
		{"unknown field", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) { m["admin"] = true })}), export.ImportLimits{}, shotline.EINVALID, "unknown field"},
		{"unknown field in a shot", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) {
				m["boards"].([]any)[0].(map[string]any)["shots"].([]any)[0].(map[string]any)["owner"] = "x"
			})}), export.ImportLimits{}, shotline.EINVALID, "unknown field"},
		{"bad duration", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) {
				m["boards"].([]any)[0].(map[string]any)["shots"].([]any)[0].(map[string]any)["duration"] = 9999
			})}), export.ImportLimits{}, shotline.EINVALID, "between 0.5 and 60"},
		{"executable asset", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "manifest.json",
			data: manifest(t, ok, func(m map[string]any) {
				m["boards"].([]any)[0].(map[string]any)["assets"].([]any)[0].(map[string]any)["contentType"] = "application/x-sh"
			})}), export.ImportLimits{}, shotline.EINVALID, "not accepted"},
		{"size mismatch", archive(t, entry{name: "boards/b1/assets/a1", data: append(png, 'x')}, entry{name: "manifest.json", data: valid}),
			export.ImportLimits{}, shotline.EINVALID, "declared size"},
		{"duplicate names", archive(t, entry{name: "boards/b1/assets/a1", data: png}, entry{name: "boards/b1/assets/a1", data: png},
			entry{name: "manifest.json", data: valid}), export.ImportLimits{}, shotline.EINVALID, "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := read(tt.data, tt.limits)
			if got := shotline.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if msg := shotline.ErrorMessage(err); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not say %q", msg, tt.msg)
			}
		})
	}
}
