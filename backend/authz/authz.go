// Package authz decides what a role may do, with Casbin and the policy files
// in policies/. Role bindings (who has which role where) live in MongoDB and
// are passed in per request, so a role change takes effect at once.
package authz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/shotline/shotline/backend/shotline"
	"github.com/shotline/shotline/policies"
)

// Enforcer answers "may this role do this?" from the embedded policy.
// It is safe for concurrent use: the policy is loaded once and never changes
// while the process runs.
type Enforcer struct {
	e     *casbin.CachedEnforcer // decisions are cached: the policy never changes while the process runs
	perms map[shotline.Role][]shotline.Permission
}

var _ shotline.Authorizer = (*Enforcer)(nil)

// New loads the embedded model and role matrix.
func New() (*Enforcer, error) { return Load(policies.Model, policies.Roles) }

// Load builds an Enforcer from a model and a policy in Casbin's text formats.
func Load(modelText, policyText string) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("load casbin model: %w", err)
	}
	e, err := casbin.NewCachedEnforcer(m, stringadapter.NewAdapter(policyText))
	if err != nil {
		return nil, fmt.Errorf("load casbin policy: %w", err)
	}
	en := &Enforcer{e: e, perms: map[shotline.Role][]shotline.Permission{}}
	for _, role := range Subjects() {
		ps, err := e.GetImplicitPermissionsForUser(string(role))
		if err != nil {
			return nil, fmt.Errorf("permissions of %s: %w", role, err)
		}
		for _, p := range ps {
			en.perms[role] = append(en.perms[role], shotline.Permission(p[1]+":"+p[2]))
		}
		slices.Sort(en.perms[role])
		en.perms[role] = slices.Compact(en.perms[role])
	}
	return en, nil
}

// Allowed implements shotline.Authorizer.
func (en *Enforcer) Allowed(role shotline.Role, perm shotline.Permission) bool {
	obj, act, ok := strings.Cut(string(perm), ":")
	if !ok || !(role.Valid() || (role.IsLink() && shotline.ValidLinkRole(shotline.Role(strings.TrimPrefix(string(role), "link:"))))) {
		return false
	}
	allowed, err := en.e.Enforce(string(role), obj, act)
	return err == nil && allowed
}

// Subjects lists every policy subject: the member roles, then the link
// subjects (link:viewer, link:commenter, link:editor).
func Subjects() []shotline.Role {
	out := slices.Clone(shotline.Roles)
	for _, r := range shotline.LinkRoles {
		out = append(out, shotline.LinkSubject(r))
	}
	return out
}

// Permissions implements shotline.Authorizer.
func (en *Enforcer) Permissions(role shotline.Role) []shotline.Permission {
	return slices.Clone(en.perms[role])
}

// AllPermissions lists every permission any role holds, sorted. Tests use it
// to check that the API covers the policy and the policy covers the API.
func (en *Enforcer) AllPermissions() []shotline.Permission {
	var all []shotline.Permission
	for _, ps := range en.perms {
		all = append(all, ps...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}
