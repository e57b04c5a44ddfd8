package objectstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shotline/shotline/backend/objectstore"
	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// eachS3Server runs test as a subtest on every S3 server of the harness
// (MinIO and versitygw): the store must work on any S3 server, not only on
// MinIO, whose server repository is archived.
func eachS3Server(t *testing.T, test func(t *testing.T, srv testenv.S3Server)) {
	t.Helper()
	for _, srv := range testenv.S3Servers(t) {
		t.Run(srv.Name, func(t *testing.T) { test(t, srv) })
	}
}

// config is a Config for a bucket on srv that does not exist yet.
func config(srv testenv.S3Server, prefix string) objectstore.Config {
	return objectstore.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())}
}

func open(t *testing.T, cfg objectstore.Config) *objectstore.Store {
	t.Helper()
	s, err := objectstore.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnsureBucketAndPing(t *testing.T) {
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		ctx := context.Background()
		cfg := config(srv, "ensure")
		s := open(t, cfg)
		if err := s.Ping(ctx); err == nil {
			t.Fatal("Ping succeeded before the bucket exists")
		}
		for i := range 2 { // the second call finds it there
			if err := s.EnsureBucket(ctx); err != nil {
				t.Fatalf("EnsureBucket #%d: %v", i+1, err)
			}
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping after EnsureBucket: %v", err)
		}

		bad := cfg
		bad.SecretKey = "wrong-secret"
		if err := open(t, bad).Ping(ctx); err == nil {
			t.Error("Ping succeeded with a wrong secret")
		}
	})
}

// Several app instances starting at once all call EnsureBucket on the same
// missing bucket: every one must succeed, whichever creates it.
func TestEnsureBucketConcurrently(t *testing.T) {
	eachS3Server(t, func(t *testing.T, srv testenv.S3Server) {
		ctx := context.Background()
		cfg := config(srv, "race")
		const instances = 8
		errs := make([]error, instances)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range instances {
			s := open(t, cfg)
			wg.Go(func() {
				<-start
				errs[i] = s.EnsureBucket(ctx)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("instance %d: EnsureBucket: %v", i, err)
			}
		}
		if err := open(t, cfg).Ping(ctx); err != nil {
			t.Errorf("Ping after concurrent EnsureBucket: %v", err)
		}
	})
}
