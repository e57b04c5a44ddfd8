package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	shttp "github.com/shotline/shotline/backend/http"
)

// config is every setting, read from SHOTLINE_* environment variables. The
// README lists them with these defaults.
type config struct {
	Addr string `env:"ADDR" envDefault:":8080"`
	// StaticDir defaults to defaultStaticDir when unset; set but empty, it
	// serves no frontend (envDefault would also replace an empty value).
	StaticDir string `env:"STATIC_DIR"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`

	MongoURI string `env:"MONGO_URI" envDefault:"mongodb://127.0.0.1:27017"`
	MongoDB  string `env:"MONGO_DB" envDefault:"shotline"`

	S3Endpoint  string `env:"S3_ENDPOINT" envDefault:"127.0.0.1:9000"`
	S3AccessKey string `env:"S3_ACCESS_KEY" envDefault:"shotline"`
	S3SecretKey string `env:"S3_SECRET_KEY" envDefault:"shotline-local-secret"`
	S3Bucket    string `env:"S3_BUCKET" envDefault:"shotline"`
	S3Secure    bool   `env:"S3_SECURE" envDefault:"false"`
	S3Region    string `env:"S3_REGION" envDefault:""`

	// PublicOrigins lists the origins the app is served from
	// (scheme://host[:port], comma-separated) for the Origin checks; empty:
	// the origin of each request (see http.Config.PublicOrigins).
	PublicOrigins []string `env:"PUBLIC_ORIGINS" envSeparator:","`

	CookieSecure   bool          `env:"COOKIE_SECURE" envDefault:"false"`
	SessionTTL     time.Duration `env:"SESSION_TTL" envDefault:"720h"`
	BodyLimit      int64         `env:"BODY_LIMIT" envDefault:"1048576"`
	SignInAttempts int           `env:"SIGNIN_ATTEMPTS" envDefault:"10"`
	SignInWindow   time.Duration `env:"SIGNIN_WINDOW" envDefault:"15m"`
	LinkAttempts   int           `env:"LINK_ATTEMPTS" envDefault:"10"`
	ShutdownGrace  time.Duration `env:"SHUTDOWN_GRACE" envDefault:"15s"`

	// NATSURL connects app instances that share boards' rooms (several
	// instances behind one load balancer); empty for a single instance.
	NATSURL string `env:"NATS_URL" envDefault:""`
	// NATSToken is the token the NATS server requires, if it requires one
	// (a secret: never logged).
	NATSToken string `env:"NATS_TOKEN" envDefault:""`

	// Uploads: the largest reference image and clip, and each workspace's
	// storage quota, in bytes.
	MaxImageBytes  int64 `env:"MAX_IMAGE_BYTES" envDefault:"20971520"`
	MaxClipBytes   int64 `env:"MAX_CLIP_BYTES" envDefault:"1073741824"`
	WorkspaceQuota int64 `env:"WORKSPACE_QUOTA" envDefault:"10737418240"`
	// FFmpeg is the ffmpeg binary that makes thumbnails and animatics.
	FFmpeg string `env:"FFMPEG" envDefault:"ffmpeg"`

	// Exports: the largest bundle an import takes (uploaded in parts into
	// the object store, then copied to a temporary file in ImportDir, the
	// system's by default, not to memory), and the TrueType fonts of PDF storyboards and burned-in
	// titles (a fallback font covers CJK; Debian's paths by default).
	ImportMaxBytes int64  `env:"IMPORT_MAX_BYTES" envDefault:"8589934592"`
	ImportDir      string `env:"IMPORT_DIR"`
	FontRegular    string `env:"FONT_REGULAR" envDefault:"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"`
	FontBold       string `env:"FONT_BOLD" envDefault:"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"`
	FontFallback   string `env:"FONT_FALLBACK" envDefault:"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"`

	// Renders. Workers is how many render workers this process runs
	// (0: none; run `shotline worker` processes instead).
	Workers           int           `env:"WORKERS" envDefault:"2"`
	RenderConcurrency int           `env:"RENDER_CONCURRENCY" envDefault:"2"`
	RenderLease       time.Duration `env:"RENDER_LEASE" envDefault:"30s"`
	ModerationPolicy  string        `env:"MODERATION_POLICY" envDefault:"policies/moderation.json"`
	WelcomeCredits    int64         `env:"WELCOME_CREDITS" envDefault:"100"`

	// Remote video providers, each on when its key is set (keys are
	// secrets: never logged).
	OpenAIAPIKey        string `env:"OPENAI_API_KEY" envDefault:""`
	OpenAIBaseURL       string `env:"OPENAI_BASE_URL" envDefault:"https://api.openai.com/v1"`
	OpenAIModel         string `env:"OPENAI_MODEL" envDefault:"sora-2"`
	FalKey              string `env:"FAL_KEY" envDefault:""`
	FalBaseURL          string `env:"FAL_BASE_URL" envDefault:"https://queue.fal.run"`
	FalModel            string `env:"FAL_MODEL" envDefault:"fal-ai/kling-video/v2.1/master/text-to-video"`
	FalImageModel       string `env:"FAL_IMAGE_MODEL" envDefault:"fal-ai/kling-video/v2.1/master/image-to-video"`
	RemoteCreditsPerSec int64  `env:"REMOTE_CREDITS_PER_SECOND" envDefault:"10"`

	// MetricsToken lets scrapers read /metrics on the main address with
	// "Authorization: Bearer <token>" (a secret: never logged). /metrics is
	// also served, without a token, on DebugAddr.
	MetricsToken string `env:"METRICS_TOKEN" envDefault:""`

	// DebugAddr serves Go's profiles (/debug/pprof/) when set; keep it on
	// loopback, it is unauthenticated.
	DebugAddr string `env:"DEBUG_ADDR" envDefault:""`
}

// defaultStaticDir is SHOTLINE_STATIC_DIR when the variable is not set.
const defaultStaticDir = "frontend/dist"

func loadConfig() (config, error) { return loadConfigFrom(env.ToMap(os.Environ())) }

// loadConfigFrom reads the configuration from environ (variable → value).
func loadConfigFrom(environ map[string]string) (config, error) {
	var c config
	if err := env.ParseWithOptions(&c, env.Options{Prefix: "SHOTLINE_", Environment: environ}); err != nil {
		return c, fmt.Errorf("read configuration: %w", err)
	}
	if _, set := environ["SHOTLINE_STATIC_DIR"]; !set {
		c.StaticDir = defaultStaticDir
	}
	for i, o := range c.PublicOrigins {
		co, err := shttp.CanonicalOrigin(strings.TrimSpace(o))
		if err != nil {
			return c, fmt.Errorf("read configuration: SHOTLINE_PUBLIC_ORIGINS: %w", err)
		}
		c.PublicOrigins[i] = co
	}
	return c, nil
}

// s3Origin is the origin of the object store's presigned URLs.
func (c config) s3Origin() string {
	if c.S3Secure {
		return "https://" + c.S3Endpoint
	}
	return "http://" + c.S3Endpoint
}

func (c config) level() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// defaultGCPercent is the server's GOGC when the environment sets none (Go's
// own default is 100): the heap may grow 40% past what is live before a
// collection, not 100%. With thousands of sockets most of the memory is
// live, so this cuts the memory per connection by about a quarter (18.0 to
// 13.8 KiB at 19,980 sockets) for 5-10% of a core at 50,000 delivered ops/s
// (docs/benchmarks.md).
const defaultGCPercent = 40

// setGCPercent applies defaultGCPercent unless GOGC is set.
func setGCPercent(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
