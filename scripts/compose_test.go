// Package scripts holds tests of the repository's run and deploy files.
// (The shell scripts next to it are its main content; Go needs a package
// name for the tests.)
package scripts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeConfig runs docker-compose config on the repository's
// docker-compose.yml with env added to a minimal environment, and returns
// its output. Without docker-compose it skips the test, or fails it in CI.
func composeConfig(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, lookErr := exec.LookPath("docker-compose")
	if lookErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker-compose is not installed; scripts/setup.sh --tests installs it (apt-get install docker-compose)")
		}
		t.Skip("docker-compose is not installed; run scripts/setup.sh --tests to check docker-compose.yml")
	}
	_, self, _, _ := runtime.Caller(0)
	file := filepath.Join(filepath.Dir(self), "..", "docker-compose.yml")
	cmd := exec.Command(bin, append([]string{"-f", file, "config"}, args...)...)
	// Only what the file needs, so neither the caller's environment nor a
	// local .env decides the outcome (the environment wins over .env).
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"SHOTLINE_PORT=8080", "SHOTLINE_COOKIE_SECURE=true", "SHOTLINE_LOG_LEVEL=info"}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

var secrets = []string{"SHOTLINE_S3_ACCESS_KEY=test-access", "SHOTLINE_S3_SECRET_KEY=test-secret-key", "SHOTLINE_NATS_TOKEN=test-nats-token"}

func TestComposeFileIsValid(t *testing.T) {
	if _, stderr, err := composeConfig(t, secrets, "-q"); err != nil {
		t.Fatalf("docker-compose config -q: %v\n%s", err, stderr)
	}
}

func TestComposeRequiresSecrets(t *testing.T) {
	for _, missing := range secrets {
		name, _, _ := strings.Cut(missing, "=")
		t.Run(name, func(t *testing.T) {
			var env []string
			for _, s := range secrets {
				if s != missing {
					env = append(env, s)
				}
			}
			_, stderr, err := composeConfig(t, env, "-q")
			if err == nil {
				t.Fatalf("docker-compose config succeeded without %s", name)
			}
			if !strings.Contains(stderr, name) {
				t.Errorf("the error does not name %s:\n%s", name, stderr)
			}
		})
	}
}

// service is the part of a resolved compose service the tests look at.
// Command and depends_on come in short and long forms.
type service struct {
	Image       string
	Build       any
	Command     any
	DependsOn   any            `yaml:"depends_on"`
	Environment map[string]any `yaml:"environment"`
	Healthcheck *struct{ Test any }
}

func TestComposeServices(t *testing.T) {
	out, stderr, err := composeConfig(t, secrets)
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, stderr)
	}
	var cfg struct{ Services map[string]service }
	if err := yaml.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("parse docker-compose config output: %v", err)
	}
	for _, name := range []string{"mongo", "minio", "nats", "app"} {
		if _, ok := cfg.Services[name]; !ok {
			t.Errorf("no %q service", name)
		}
	}
	mongo, minio, nats, app := cfg.Services["mongo"], cfg.Services["minio"], cfg.Services["nats"], cfg.Services["app"]

	t.Run("mongo_is_a_replica_set", func(t *testing.T) {
		cmd := words(mongo.Command)
		if i := slices.Index(cmd, "--replSet"); i < 0 || i+1 >= len(cmd) || cmd[i+1] != "rs0" {
			t.Errorf("mongo command %q does not start replica set rs0", cmd)
		}
		if mongo.Healthcheck == nil || !strings.Contains(strings.Join(words(mongo.Healthcheck.Test), " "), "rs.initiate") {
			t.Error("mongo has no health check that initiates the replica set")
		}
		if uri, _ := app.Environment["SHOTLINE_MONGO_URI"].(string); !strings.Contains(uri, "replicaSet=rs0") {
			t.Errorf("app's SHOTLINE_MONGO_URI = %q, want replicaSet=rs0", uri)
		}
	})
	t.Run("nats_requires_the_apps_token", func(t *testing.T) {
		cmd := words(nats.Command)
		if i := slices.Index(cmd, "--auth"); i < 0 || i+1 >= len(cmd) || cmd[i+1] != "test-nats-token" {
			t.Errorf("nats command %q does not require SHOTLINE_NATS_TOKEN (--auth)", cmd)
		}
		if got, _ := app.Environment["SHOTLINE_NATS_TOKEN"].(string); got != "test-nats-token" {
			t.Errorf("app SHOTLINE_NATS_TOKEN = %q, want the token nats requires", got)
		}
	})
	t.Run("app_depends_on_its_servers", func(t *testing.T) {
		deps := dependencies(app.DependsOn)
		for _, d := range []string{"mongo", "minio", "nats"} {
			if !slices.Contains(deps, d) {
				t.Errorf("app does not depend on %s (depends on %q)", d, deps)
			}
		}
	})
	t.Run("minio_is_built_not_pulled", func(t *testing.T) {
		// Its published images were withdrawn in 2026.
		if minio.Build == nil || strings.HasPrefix(minio.Image, "minio/") {
			t.Errorf("minio: image %q, build %v; want it built from source", minio.Image, minio.Build)
		}
	})
	t.Run("app_settings", func(t *testing.T) {
		for k, want := range map[string]string{
			"SHOTLINE_NATS_URL":      "nats://nats:4222",
			"SHOTLINE_ADDR":          ":8080",
			"SHOTLINE_STATIC_DIR":    "/app/frontend/dist",
			"SHOTLINE_COOKIE_SECURE": "true",
			"SHOTLINE_S3_SECRET_KEY": "test-secret-key",
		} {
			if got, _ := app.Environment[k].(string); got != want {
				t.Errorf("app %s = %q, want %q", k, got, want)
			}
		}
	})
}

// words returns a command given as a list or as one string, as words.
func words(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, w := range v {
			if s, ok := w.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// dependencies returns the service names of a depends_on, in either form.
func dependencies(v any) []string {
	switch v := v.(type) {
	case []any:
		return words(v)
	case map[string]any:
		var out []string
		for k := range v {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	return nil
}
