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

func s3(t *testing.T, srv testenv.S3Server) *minio.Client {
	t.Helper()
	client, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// eachS3Server runs test as a subtest on every S3 server of the harness.
func eachS3Server(t *testing.T, test func(t *testing.T, srv testenv.S3Server)) {
	t.Helper()
	for _, srv := range testenv.S3Servers(t) {
		t.Run(srv.Name, func(t *testing.T) { test(t, srv) })
	}
}

func TestS3ServersAreMinIOAndVersityGW(t *testing.T) {
	servers := testenv.S3Servers(t)
	var names []string
	for _, srv := range servers {
		names = append(names, srv.Name)
	}
	if got, want := strings.Join(names, ","), "minio,versitygw"; got != want {
		t.Fatalf("servers = %s, want %s", got, want)
	}
	if got, want := servers[0].Endpoint, testenv.Get(t).S3Endpoint; got != want {
		t.Errorf("minio endpoint = %s, want Get's %s", got, want)
	}
	if servers[0].Endpoint == servers[1].Endpoint {
		t.Errorf("both servers listen on %s", servers[0].Endpoint)
	}
	if again := testenv.S3Servers(t); again[1] != servers[1] {
		t.Errorf("second call gave versitygw %+v, first %+v: want the same server", again[1], servers[1])
	}
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

func TestObjectPutGet(t *testing.T) { eachS3Server(t, testObjectPutGet) }

func testObjectPutGet(t *testing.T, srv testenv.S3Server) {
	ctx := context.Background()
	client := s3(t, srv)
	bucket := srv.Bucket(t)
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
	eachS3Server(t, testBucketIsRemovedWithItsObjects)
}

func testBucketIsRemovedWithItsObjects(t *testing.T, srv testenv.S3Server) {
	ctx := context.Background()
	client := s3(t, srv)
	var bucket string
	t.Run("uses", func(t *testing.T) {
		bucket = srv.Bucket(t)
		if _, err := client.PutObject(ctx, bucket, "a/b.bin", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		// An unfinished multipart upload also keeps a bucket from being removed.
		if _, err := (&minio.Core{Client: client}).NewMultipartUpload(ctx, bucket, "renders/r.mp4", minio.PutObjectOptions{}); err != nil {
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
