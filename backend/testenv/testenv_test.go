package testenv_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/shotline/shotline/backend/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func connect(t *testing.T) *mongo.Client {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.Get(t).MongoURI).SetTimeout(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client
}

func s3(t *testing.T) *minio.Client {
	t.Helper()
	env := testenv.Get(t)
	client, err := minio.New(env.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(env.S3AccessKey, env.S3SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func TestMongoAnswers(t *testing.T) {
	ctx := context.Background()
	client := connect(t)
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	coll := client.Database(testenv.Database(t)).Collection("shots")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "s1"}, {Key: "title", Value: "Opening"}}); err != nil {
		t.Fatal(err)
	}
	var got struct{ Title string }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "s1"}}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got, want := got.Title, "Opening"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}

func TestDatabaseIsDroppedAfterTheTest(t *testing.T) {
	ctx := context.Background()
	client := connect(t)
	var name string
	t.Run("uses", func(t *testing.T) {
		name = testenv.Database(t)
		if _, err := client.Database(name).Collection("c").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
			t.Fatal(err)
		}
	})
	names, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if n == name {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

func TestObjectPutGet(t *testing.T) {
	ctx := context.Background()
	client := s3(t)
	bucket := testenv.Bucket(t)
	body := []byte("frame 0001")
	if _, err := client.PutObject(ctx, bucket, "renders/a.txt", bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	obj, err := client.GetObject(ctx, bucket, "renders/a.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(obj)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("got %q, want %q", got, body)
	}
}

func TestBucketIsRemovedWithItsObjects(t *testing.T) {
	ctx := context.Background()
	client := s3(t)
	var bucket string
	t.Run("uses", func(t *testing.T) {
		bucket = testenv.Bucket(t)
		if _, err := client.PutObject(ctx, bucket, "a/b.bin", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	ok, err := client.BucketExists(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Errorf("bucket %s still exists after its test ended", bucket)
	}
}

func TestRestartMongoKeepsData(t *testing.T) {
	ctx := context.Background()
	client := connect(t)
	coll := client.Database(testenv.Database(t)).Collection("ops")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "op1"}, {Key: "seq", Value: 1}}); err != nil {
		t.Fatal(err)
	}

	testenv.RestartMongo(t)

	// The same client reconnects; a new one sees the data too.
	for name, c := range map[string]*mongo.Client{"same client": client, "new client": connect(t)} {
		var got struct{ Seq int }
		err := c.Database(coll.Database().Name()).Collection("ops").FindOne(ctx, bson.D{{Key: "_id", Value: "op1"}}).Decode(&got)
		if err != nil {
			t.Fatalf("%s: find after restart: %v", name, err)
		}
		if got.Seq != 1 {
			t.Errorf("%s: seq = %d, want 1", name, got.Seq)
		}
	}
}

// Names must be valid FerretDB database names and S3 bucket names, even for
// long test names full of punctuation.
func TestNamesAreValidAndUnique(t *testing.T) {
	dbName := regexp.MustCompile(`^t_[a-z0-9_]{1,61}$`)
	bucketName := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	seen := map[string]bool{}
	var dbs, buckets []string
	t.Run("A very long test name / with (punctuation) and UPPER case, repeated twice over", func(t *testing.T) {
		for range 2 {
			dbs = append(dbs, testenv.Database(t))
			buckets = append(buckets, testenv.Bucket(t))
		}
	})
	for _, n := range dbs {
		if !dbName.MatchString(n) || len(n) > 63 {
			t.Errorf("database name %q is not valid", n)
		}
		if seen[n] {
			t.Errorf("name %q given twice", n)
		}
		seen[n] = true
	}
	for _, n := range buckets {
		if !bucketName.MatchString(n) {
			t.Errorf("bucket name %q is not valid", n)
		}
		if seen[n] {
			t.Errorf("name %q given twice", n)
		}
		seen[n] = true
	}
}
