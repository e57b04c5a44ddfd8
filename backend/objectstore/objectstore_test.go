package objectstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestEnsureBucketAndPing(t *testing.T) {
	env := testenv.Get(t)
	ctx := context.Background()
	cfg := objectstore.Config{Endpoint: env.S3Endpoint, AccessKey: env.S3AccessKey, SecretKey: env.S3SecretKey,
		Bucket: fmt.Sprintf("ensure-%d", time.Now().UnixNano())}
	s, err := objectstore.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded before the bucket exists")
	}
	for i := 0; i < 2; i++ { // the second call finds it there
		if err := s.EnsureBucket(ctx); err != nil {
			t.Fatalf("EnsureBucket #%d: %v", i+1, err)
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after EnsureBucket: %v", err)
	}

	bad := cfg
	bad.SecretKey = "wrong-secret"
	s2, err := objectstore.Open(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Ping(ctx); err == nil {
		t.Error("Ping succeeded with a wrong secret")
	}
}
