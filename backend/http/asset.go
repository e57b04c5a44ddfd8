package http

import (
	"bytes"
	"context"
	nethttp "net/http"
	"regexp"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/shotline/shotline/backend/asset"
	"github.com/shotline/shotline/backend/shotline"
)

type assetView struct {
	*shotline.Asset
	URL      string    `json:"url" doc:"Presigned URL of the file, for inline display or playback; expires."`
	ThumbURL string    `json:"thumbUrl,omitempty" doc:"Presigned URL of the JPEG thumbnail or poster frame."`
	Expires  time.Time `json:"urlsExpire"`
}

func (s *Server) viewAsset(ctx context.Context, a *shotline.Asset) (assetView, error) {
	urls, err := s.Assets.URLs(ctx, a, false)
	if err != nil {
		return assetView{}, err
	}
	return assetView{Asset: a, URL: urls.URL, ThumbURL: urls.ThumbURL, Expires: urls.Expires}, nil
}

type beginUploadInput struct {
	boardIDInput
	Body struct {
		Name   string `json:"name" maxLength:"1024" doc:"The file's name, shown only; its type is read from its bytes." example:"reference.png"`
		Size   int64  `json:"size" doc:"The file's size in bytes."`
		ShotID string `json:"shotId,omitempty" maxLength:"64" doc:"The shot the file is attached to; empty for the board."`
	}
}

type uploadView struct {
	ID       string `json:"id"`
	PartSize int64  `json:"partSize" doc:"Send the file in parts of this many bytes (the last may be shorter)."`
	Parts    int    `json:"parts"`
}

type uploadOutput struct{ Body uploadView }

type uploadIDInput struct {
	boardIDInput
	UploadID string `path:"uploadId" maxLength:"64"`
}

type putPartInput struct {
	BoardID  string `path:"boardId" maxLength:"64"`
	UploadID string `path:"uploadId" maxLength:"64"`
	Part     int    `path:"part" minimum:"1" maximum:"10000"`
}

type assetOutput struct{ Body assetView }

type assetIDInput struct {
	boardIDInput
	AssetID string `path:"assetId" maxLength:"64"`
}

type boardAssetsOutput struct {
	Body struct {
		Shots  map[string][]assetView `json:"shots" doc:"Assets by shot id, in the order they were attached; \"-\" is the board itself."`
		Frames map[string]string      `json:"frames" doc:"The frame chosen for a shot (an asset id among its assets), by shot id; it stands for the shot ahead of its renders and other references. Shots without one are absent."`
	}
}

type shotFrameInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	ShotID  string `path:"shotId" pattern:"^[A-Za-z0-9_-]{1,64}$"`
	Body    struct {
		AssetID string `json:"assetId" maxLength:"64" doc:"An image (or a clip with a poster frame) attached to the shot."`
	}
}

type shotIDInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	ShotID  string `path:"shotId" pattern:"^[A-Za-z0-9_-]{1,64}$"`
}

type downloadOutput struct {
	Body struct {
		URL     string    `json:"url"`
		Expires time.Time `json:"expires"`
	}
}

type detachInput struct {
	BoardID string `path:"boardId" maxLength:"64"`
	ShotID  string `path:"shotId" maxLength:"64"`
	AssetID string `path:"assetId" maxLength:"64"`
}

// partPath is the path of the part uploads (of an asset and of a bundle to
// import), the routes whose bodies may be larger than the API's body limit
// (one part).
var partPath = regexp.MustCompile(`^/api/(boards/[^/]+/uploads|workspaces/[^/]+/imports)/[^/]+/parts/[0-9]+$`)

// uploadBodyLimit lets fasthttp read a whole part, and give it the time to
// arrive, for the part routes only; every other route keeps the body limit
// and the read timeout.
func (s *Server) uploadBodyLimit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if s.Assets != nil && string(h.Method()) == nethttp.MethodPut && partPath.Match(h.RequestURI()) {
		return fasthttp.RequestConfig{MaxRequestBodySize: int(s.partSize()), ReadTimeout: 5 * time.Minute}
	}
	return fasthttp.RequestConfig{}
}

func (s *Server) partSize() int64 {
	if s.Assets.PartSize > 0 {
		return s.Assets.PartSize
	}
	return asset.DefaultPartSize
}

func (s *Server) registerAssets() {
	s.app.Server().HeaderReceived = s.uploadBodyLimit

	register(s, Route{ID: "beginUpload", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/uploads", Tag: "assets",
		Summary: "Start uploading a reference image or clip", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusCreated},
		func(ctx context.Context, in *beginUploadInput) (*uploadOutput, error) {
			a := accessFrom(ctx)
			u, err := s.Assets.Begin(ctx, asset.Begin{WorkspaceID: a.Workspace.ID, BoardID: a.Board.ID, ShotID: in.Body.ShotID,
				Name: in.Body.Name, Size: in.Body.Size, UserID: callerFrom(ctx).User.ID})
			if err != nil {
				return nil, err
			}
			return &uploadOutput{Body: uploadView{ID: u.ID, PartSize: u.PartSize, Parts: shotline.PartCount(u.Size, u.PartSize)}}, nil
		})

	register(s, Route{ID: "putUploadPart", Method: nethttp.MethodPut, Path: "/api/boards/{boardId}/uploads/{uploadId}/parts/{part}", Tag: "assets",
		Summary: "Upload one part of a file", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusNoContent, RawBody: "application/octet-stream", MaxBody: 1 << 30},
		// The part is read from fasthttp's own buffer, not copied by huma:
		// fasthttp already refused a body over the part size
		// (uploadBodyLimit), and PutPart checks the exact size.
		func(ctx context.Context, in *putPartInput) (*struct{}, error) {
			u, err := s.Assets.Find(ctx, accessFrom(ctx).Board.ID, in.UploadID)
			if err != nil {
				return nil, err
			}
			body := fiberFrom(ctx).Body()
			return nil, s.Assets.PutPart(ctx, u, in.Part, bytes.NewReader(body), int64(len(body)))
		})

	register(s, Route{ID: "completeUpload", Method: nethttp.MethodPost, Path: "/api/boards/{boardId}/uploads/{uploadId}/complete", Tag: "assets",
		Summary: "Finish an upload: the file becomes an asset with its thumbnail", Scope: ScopeBoard, Perm: shotline.PermAssetUpload},
		func(ctx context.Context, in *uploadIDInput) (*assetOutput, error) {
			u, err := s.Assets.Find(ctx, accessFrom(ctx).Board.ID, in.UploadID)
			if err != nil {
				return nil, err
			}
			a, err := s.Assets.Complete(ctx, u)
			if err != nil {
				return nil, err
			}
			s.assetsChanged(a.BoardID)
			v, err := s.viewAsset(ctx, a)
			return &assetOutput{Body: v}, err
		})

	register(s, Route{ID: "abortUpload", Method: nethttp.MethodDelete, Path: "/api/boards/{boardId}/uploads/{uploadId}", Tag: "assets",
		Summary: "Abandon an upload; nothing of it is kept", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *uploadIDInput) (*struct{}, error) {
			u, err := s.Assets.Find(ctx, accessFrom(ctx).Board.ID, in.UploadID)
			if err != nil {
				return nil, err
			}
			s.Assets.Abort(ctx, u)
			return nil, nil
		})

	register(s, Route{ID: "listAssets", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/assets", Tag: "assets",
		Summary: "A board's assets by shot, with short-lived URLs", Scope: ScopeBoard, Perm: shotline.PermBoardRead},
		func(ctx context.Context, _ *boardIDInput) (*boardAssetsOutput, error) {
			refs, err := s.Assets.Store.BoardAssets(ctx, accessFrom(ctx).Board.ID)
			if err != nil {
				return nil, err
			}
			frames, err := s.Assets.Store.ShotFrames(ctx, accessFrom(ctx).Board.ID)
			if err != nil {
				return nil, err
			}
			out := &boardAssetsOutput{}
			out.Body.Shots = map[string][]assetView{}
			out.Body.Frames = map[string]string{}
			for shot, ids := range refs {
				views := []assetView{}
				for _, id := range ids {
					a, err := s.Assets.Store.FindAsset(ctx, id)
					if shotline.ErrorCode(err) == shotline.ENOTFOUND {
						continue
					} else if err != nil {
						return nil, err
					}
					v, err := s.viewAsset(ctx, a)
					if err != nil {
						return nil, err
					}
					views = append(views, v)
					if frames[shot] == a.ID && v.ThumbURL != "" {
						out.Body.Frames[shot] = a.ID
					}
				}
				out.Body.Shots[shot] = views
			}
			return out, nil
		})

	register(s, Route{ID: "setShotFrame", Method: nethttp.MethodPut, Path: "/api/boards/{boardId}/shots/{shotId}/frame", Tag: "assets",
		Summary: "Choose which of a shot's assets is its frame (ahead of its renders and other references)", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *shotFrameInput) (*struct{}, error) {
			a, err := s.boardAsset(ctx, in.Body.AssetID)
			if err != nil {
				return nil, err
			}
			if err := s.Assets.ChooseFrame(ctx, a, in.ShotID); err != nil {
				return nil, err
			}
			s.assetsChanged(a.BoardID)
			return nil, nil
		})

	register(s, Route{ID: "clearShotFrame", Method: nethttp.MethodDelete, Path: "/api/boards/{boardId}/shots/{shotId}/frame", Tag: "assets",
		Summary: "Forget a shot's chosen frame: its latest render's poster, else its first reference, stands for it again", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *shotIDInput) (*struct{}, error) {
			board := accessFrom(ctx).Board.ID
			if err := s.Assets.Store.SetShotFrame(ctx, board, in.ShotID, ""); err != nil {
				return nil, err
			}
			s.assetsChanged(board)
			return nil, nil
		})

	register(s, Route{ID: "downloadAsset", Method: nethttp.MethodGet, Path: "/api/boards/{boardId}/assets/{assetId}/download", Tag: "assets",
		Summary: "A short-lived download URL of an asset (a share link only where it allows downloads)", Scope: ScopeBoard, Perm: shotline.PermAssetDownload},
		func(ctx context.Context, in *assetIDInput) (*downloadOutput, error) {
			a, err := s.boardAsset(ctx, in.AssetID)
			if err != nil {
				return nil, err
			}
			urls, err := s.Assets.URLs(ctx, a, true)
			if err != nil {
				return nil, err
			}
			out := &downloadOutput{}
			out.Body.URL, out.Body.Expires = urls.URL, urls.Expires
			return out, nil
		})

	register(s, Route{ID: "detachAsset", Method: nethttp.MethodDelete, Path: "/api/boards/{boardId}/shots/{shotId}/assets/{assetId}", Tag: "assets",
		Summary: "Remove an asset from a shot (deleted once nothing refers to it)", Scope: ScopeBoard, Perm: shotline.PermAssetUpload, Status: nethttp.StatusNoContent},
		func(ctx context.Context, in *detachInput) (*struct{}, error) {
			a, err := s.boardAsset(ctx, in.AssetID)
			if err != nil {
				return nil, err
			}
			if err := s.Assets.Detach(ctx, a, in.ShotID); err != nil {
				return nil, err
			}
			s.assetsChanged(a.BoardID)
			return nil, nil
		})
}

// assetsChanged tells everyone on the board that its references changed,
// so teammates see an upload or a removal live.
func (s *Server) assetsChanged(boardID string) {
	if s.Hub != nil {
		s.Hub.BroadcastAssets(boardID)
	}
}

// boardAsset returns an asset of the board the route names; assets of other
// boards are not found, whatever the caller's role there.
func (s *Server) boardAsset(ctx context.Context, id string) (*shotline.Asset, error) {
	a, err := s.Assets.Store.FindAsset(ctx, id)
	if err != nil {
		return nil, err
	} else if a.BoardID != accessFrom(ctx).Board.ID {
		return nil, shotline.Errorf(shotline.ENOTFOUND, "Asset not found.")
	}
	return a, nil
}
