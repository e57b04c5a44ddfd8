package mongo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/mongo"
	"github.com/shotline/shotline/backend/shotline"
)

// BenchmarkAppendOps stores 100 ops per insert, as the room committer does
// under load, in two patterns: "one-board", every op of the insert on one
// board (a board's burst), and "spread", one op for each of 100 boards out
// of 500 (a steady load spread over the boards). Each starts from an op log
// holding 50 ops per board. It reports the database time per stored op;
// against FerretDB on SQLite this is what bounds the ops per second a hub
// can make durable (docs/benchmarks.md).
func BenchmarkAppendOps(b *testing.B) {
	const boards, perInsert, prefill = 500, 100, 50
	op := []byte(`{"kind":"shot.set","shotId":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","field":"title","value":"t1764151234567890123"}`)
	for _, pattern := range []string{"one-board", "spread"} {
		b.Run(pattern, func(b *testing.B) {
			ctx := context.Background()
			oplog := mongo.NewOpLog(openDB(b))
			ids := make([]string, boards)
			seqs := make([]int64, boards)
			for i := range ids {
				ids[i] = uuid.NewString()
			}
			stored := func(board int) shotline.StoredOp {
				seqs[board]++
				return shotline.StoredOp{BoardID: ids[board], Seq: seqs[board], OpID: uuid.NewString(), ActorID: "user-1", Op: op, CreatedAt: time.Now().UTC()}
			}
			appendOps := func(batch []shotline.StoredOp) {
				if err := oplog.AppendOps(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			for round := 0; round < prefill; round++ {
				for first := 0; first < boards; first += perInsert {
					batch := make([]shotline.StoredOp, 0, perInsert)
					for board := first; board < first+perInsert; board++ {
						batch = append(batch, stored(board))
					}
					appendOps(batch)
				}
			}
			next := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := make([]shotline.StoredOp, perInsert)
				for j := range batch {
					if pattern == "spread" {
						batch[j] = stored(next % boards)
						next++
					} else {
						batch[j] = stored(i % boards)
					}
				}
				appendOps(batch)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*perInsert), "µs/stored-op")
			b.ReportMetric(0, "ns/op")
		})
	}
}
