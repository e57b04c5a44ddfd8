package main

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/caarlos0/env/v11"
)

// config is every setting, read from SHOTLINE_* environment variables. The
// README lists them with these defaults.
type config struct {
	Addr      string `env:"ADDR" envDefault:":8080"`
	StaticDir string `env:"STATIC_DIR" envDefault:"frontend/dist"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`

	MongoURI string `env:"MONGO_URI" envDefault:"mongodb://127.0.0.1:27017"`
	MongoDB  string `env:"MONGO_DB" envDefault:"shotline"`

	S3Endpoint  string `env:"S3_ENDPOINT" envDefault:"127.0.0.1:9000"`
	S3AccessKey string `env:"S3_ACCESS_KEY" envDefault:"shotline"`
	S3SecretKey string `env:"S3_SECRET_KEY" envDefault:"shotline-local-secret"`
	S3Bucket    string `env:"S3_BUCKET" envDefault:"shotline"`
	S3Secure    bool   `env:"S3_SECURE" envDefault:"false"`
	S3Region    string `env:"S3_REGION" envDefault:""`

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

	// DebugAddr serves Go's profiles (/debug/pprof/) when set; keep it on
	// loopback, it is unauthenticated.
	DebugAddr string `env:"DEBUG_ADDR" envDefault:""`
}

func loadConfig() (config, error) {
	var c config
	if err := env.ParseWithOptions(&c, env.Options{Prefix: "SHOTLINE_"}); err != nil {
		return c, fmt.Errorf("read configuration: %w", err)
	}
	return c, nil
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
