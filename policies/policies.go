// Package policies embeds the Casbin model and the role → permission matrix,
// so they are versioned and shipped with the code.
package policies

import _ "embed"

// Model is the Casbin model (model.conf).
//
//go:embed model.conf
var Model string

// Roles is the role → permission matrix (roles.csv).
//
//go:embed roles.csv
var Roles string

// Moderation is the content policy render prompts pass (moderation.json),
// used when the operator's copy on disk is missing.
//
//go:embed moderation.json
var Moderation []byte
