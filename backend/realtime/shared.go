package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/shotline/shotline/backend/board"
)

// Broker carries room traffic between app instances (NATS in production).
// With one, several instances may each hold a room for the same board: the
// op log's unique (board, seq) index lets only one of them store each seq,
// each room publishes the ops it made durable and its members' presence,
// and applies what the others publish. Without one (a single instance)
// nothing is published.
type Broker interface {
	// Publish sends data to every subscriber of subject, this instance's
	// included. Subjects are dot-separated tokens ("board.<id>", "access").
	Publish(subject string, data []byte) error
	// Subscribe calls fn with every message published on subject until
	// unsubscribe is called. fn may block; messages arrive in order per
	// publisher.
	Subscribe(subject string, fn func(data []byte)) (unsubscribe func(), err error)
}

// accessSubject carries access changes (accessChange) to every instance.
const accessSubject = "access"

func boardSubject(boardID string) string { return "board." + boardID }

// remoteMessage is what a room publishes to the board's rooms elsewhere.
type remoteMessage struct {
	From    string           `json:"from"`              // the publishing hub
	Seq     int64            `json:"seq"`               // its durable seq
	Applied *board.AppliedOp `json:"applied,omitempty"` // an op it made durable
	Peers   []Peer           `json:"peers"`             // its members, on every change and every presenceEvery
	// Versions says the board's named versions changed (and nothing else).
	Versions bool `json:"versions,omitempty"`
	// Assets says the board's reference files changed (and nothing else).
	Assets bool `json:"assets,omitempty"`
}

// presenceEvery is how often a room with members publishes them again; a
// remote instance's members that are not refreshed for three times as long
// (it crashed) are dropped.
const presenceEvery = 10 * time.Second

// remotePeers are the members of the board's room on another instance.
type remotePeers struct {
	peers []Peer
	at    time.Time
}

// ShareRooms connects the hub to other instances through b. Call it before
// the hub serves anyone.
func (h *Hub) ShareRooms(b Broker) error {
	h.broker, h.instance = b, uuid.NewString()
	_, err := b.Subscribe(accessSubject, func(data []byte) {
		var a accessChange
		if json.Unmarshal(data, &a) == nil && a.From != h.instance {
			h.applyAccess(a)
		}
	})
	return err
}

// shareAccess tells the other instances about an access change.
func (h *Hub) shareAccess(a accessChange) {
	if h.broker == nil {
		return
	}
	a.From = h.instance
	data, err := json.Marshal(a)
	if err == nil {
		err = h.broker.Publish(accessSubject, data)
	}
	if err != nil {
		h.log.Error("publish an access change to other instances", "kind", a.Kind, "err", err)
	}
}

// subscribe starts hearing the board's rooms on other instances; it runs
// before the room loads, so nothing published after the load is missed
// (earlier ops are in the log).
func (r *Room) subscribe() error {
	if r.hub.broker == nil {
		return nil
	}
	unsubscribe, err := r.hub.broker.Subscribe(boardSubject(r.boardID), func(data []byte) {
		r.submit(event{kind: evRemote, data: data})
	})
	r.unsubscribe = unsubscribe
	return err
}

// publish tells the board's rooms on other instances about an op made
// durable here (ao) or, with ao nil, about this room's members.
func (r *Room) publish(ao *board.AppliedOp, peers []Peer) {
	if r.hub.broker == nil {
		return
	}
	data, err := json.Marshal(remoteMessage{From: r.hub.instance, Seq: r.durable.Seq, Applied: ao, Peers: peers})
	if err == nil {
		err = r.hub.broker.Publish(boardSubject(r.boardID), data)
	}
	if err != nil {
		r.hub.log.Warn("publish to other instances", "board_id", r.boardID, "err", err)
	}
}

// leaveShared stops hearing the other instances and tells them this
// room's members are gone.
func (r *Room) leaveShared() {
	if r.unsubscribe == nil {
		return
	}
	r.unsubscribe()
	r.publish(nil, []Peer{})
}

// onRemote handles a message from the board's room on another instance.
func (r *Room) onRemote(ctx context.Context, data []byte) {
	var m remoteMessage
	if err := json.Unmarshal(data, &m); err != nil || m.From == r.hub.instance {
		return
	}
	if m.Versions {
		r.sendNews(VersionsMessage{})
		return
	}
	if m.Assets {
		r.sendNews(AssetsMessage{})
		return
	}
	if m.Applied == nil {
		before := r.remotePeers[m.From].peers
		if len(m.Peers) == 0 {
			delete(r.remotePeers, m.From)
		} else {
			r.remotePeers[m.From] = remotePeers{peers: m.Peers, at: time.Now()}
		}
		if !slices.EqualFunc(before, m.Peers, samePeer) {
			r.sendPeers(r.localPeers())
		}
	}
	if m.Applied != nil && m.Applied.Seq > r.durable.Seq && len(r.remoteOps) < maxRemoteOps {
		r.remoteOps[m.Applied.Seq] = *m.Applied
	}
	if m.Seq > r.durable.Seq {
		r.remoteSeq = max(r.remoteSeq, m.Seq)
		r.catchUp(ctx, false)
	}
}

// maxRemoteOps bounds the published ops a room keeps until it can take
// them in; past it, it reads them from the op log.
const maxRemoteOps = 10000

func samePeer(a, b Peer) bool {
	return a.UserID == b.UserID && a.Name == b.Name && (a.SelectedShotID == nil) == (b.SelectedShotID == nil) &&
		(a.SelectedShotID == nil || *a.SelectedShotID == *b.SelectedShotID) &&
		(a.Caret == nil) == (b.Caret == nil) && (a.Caret == nil || *a.Caret == *b.Caret)
}

// catchUp takes in the ops other instances stored after this room's
// durable seq: those they published, as far as they follow each other,
// and, with readLog, what the op log holds beyond. Without readLog, a gap
// (an op still on its way, or lost) schedules a read of the log. Then it
// applies this room's ops that wait to be written again on top. It waits
// while a write is in flight: the log may hold that write's ops already.
// Reports whether it took any op.
func (r *Room) catchUp(ctx context.Context, readLog bool) bool {
	if r.inflight != nil {
		r.behind = true // onFlushed comes back here
		return false
	}
	r.behind = false
	from := r.durable.Seq
	r.takePublished()
	if readLog {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := ReplayLog(ctx, r.hub.oplog, r.boardID, r.durable, r.tookRemote)
		cancel()
		if err != nil {
			r.hub.log.Warn("read other instances' ops", "board_id", r.boardID, "err", err)
		}
		r.takePublished()
	} else if r.durable.Seq < r.remoteSeq {
		r.scheduleCatchUp()
	}
	if r.durable.Seq == from {
		return false
	}
	r.awaiting = false
	r.rebase()
	return true
}

// takePublished takes in the published ops that come next.
func (r *Room) takePublished() {
	for {
		ao, ok := r.remoteOps[r.durable.Seq+1]
		if !ok {
			break
		}
		delete(r.remoteOps, ao.Seq)
		if err := Replay(r.durable, ao); err != nil {
			r.hub.log.Error("replay another instance's op", "board_id", r.boardID, "seq", ao.Seq, "err", err)
			break
		}
		r.tookRemote(ao)
	}
	for seq := range r.remoteOps {
		if seq <= r.durable.Seq {
			delete(r.remoteOps, seq)
		}
	}
}

// scheduleCatchUp reads the op log shortly (evCatchUp), unless the missing
// ops arrive first.
func (r *Room) scheduleCatchUp() {
	if r.catchUpSoon {
		return
	}
	r.catchUpSoon = true
	time.AfterFunc(catchUpDelay, func() { r.submit(event{kind: evCatchUp}) })
}

// catchUpDelay is how long a room waits for published ops it misses before
// it reads them from the op log.
const catchUpDelay = 500 * time.Millisecond

// onCatchUp reads the op log for what other instances stored. A write
// conflict that waits for it and that it does not explain is an op id
// stored through another instance, which settleStoredPending finds; three
// in a row make the room unload (4000).
func (r *Room) onCatchUp(ctx context.Context) {
	r.catchUpSoon = false
	if r.catchUp(ctx, true) {
		r.conflicts = 0
		return
	}
	if !r.awaiting {
		return
	}
	r.awaiting = false
	r.conflicts++
	if r.conflicts >= 3 {
		r.hub.log.Error("op log conflict the room cannot explain; unloading room", "board_id", r.boardID)
		r.fail(CloseInternalError)
		r.stopped = true
		return
	}
	r.settleStoredPending(ctx)
	r.rebase()
}

// tookRemote makes an op another instance stored, already replayed onto
// the durable state, known here: kept for resumes and sent to the members.
func (r *Room) tookRemote(ao board.AppliedOp) {
	r.remember(ao)
	r.sendToMembers(r.recentData[len(r.recentData)-1])
	if _, ok := ao.Op.(board.BoardSet); ok {
		r.syncBoardDocument()
	}
}

// rebase rebuilds the live state from the durable one and applies this
// room's pending ops again on top, as their senders sent them: each gets
// the next seq, or its sender an error if it no longer applies. An op the
// durable state already holds (sent again through another instance) is
// acknowledged instead. No one has seen a pending op yet: ops are only
// sent once durable.
func (r *Room) rebase() {
	pending := r.pending
	r.pending = nil
	r.live = r.durable.Clone()
	for _, p := range pending {
		if seq, ok := r.durableSeqOf(p.sent.OpID); ok {
			r.acknowledge(p, seq)
			continue
		}
		if err := r.applyLive(&p); err != nil {
			delete(r.opIDs, p.sent.OpID)
			r.refusePending(p, err)
			continue
		}
		r.pending = append(r.pending, p)
	}
	r.flush()
}

// settleStoredPending acknowledges the pending ops that the op log holds
// already, by their ids: re-sent through another instance and stored
// there, longer ago than the op ids the room keeps. It asks the log for
// each, so it runs only for a conflict that nothing else explains.
func (r *Room) settleStoredPending(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	kept := r.pending[:0]
	for _, p := range r.pending {
		if so, err := r.hub.oplog.FindOpByOpID(ctx, r.boardID, p.sent.OpID); err == nil && so.Seq <= r.durable.Seq {
			r.opIDs[p.sent.OpID] = so.Seq // so a later re-send is acked too
			r.acknowledge(p, so.Seq)
			continue
		}
		kept = append(kept, p)
	}
	clear(r.pending[len(kept):])
	r.pending = kept
}

// durableSeqOf returns the seq of a durable op this room holds by its id.
func (r *Room) durableSeqOf(opID string) (int64, bool) {
	seq, ok := r.opIDs[opID]
	if !ok || seq > r.durable.Seq {
		return 0, false
	}
	i := int(seq-r.firstHeld()) - 1
	return seq, i >= 0 && r.recent[i].OpID == opID
}

// presenceTick publishes this room's members again and forgets the
// members of instances that stopped publishing theirs.
func (r *Room) presenceTick() {
	changed := false
	for from, rp := range r.remotePeers {
		if time.Since(rp.at) > 3*presenceEvery {
			delete(r.remotePeers, from)
			changed = true
		}
	}
	if r.memberCount() > 0 {
		r.publish(nil, r.localPeers())
	}
	if changed {
		r.sendPeers(r.localPeers())
	}
	time.AfterFunc(presenceEvery, func() { r.submit(event{kind: evPresenceTick}) })
}
