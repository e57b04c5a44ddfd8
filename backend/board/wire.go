package board

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/shotline/shotline/backend/shotline"
)

// The wire format is JSON objects tagged by one field ("type" for messages,
// "kind" for ops). Decoding is strict: a key that is not a field of the
// target type, compared case-sensitively and at every depth, fails, so a
// client and a server that disagree about the protocol find out at once
// instead of silently dropping data. encoding/json alone matches keys
// case-insensitively and, even with DisallowUnknownFields, cannot skip the
// tag, hence these helpers.

// MarshalTagged encodes v, a struct, as a JSON object whose first key is
// tagKey with the value tag.
func MarshalTagged(tagKey, tag string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("marshal %s %q: not an object", tagKey, tag)
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + len(tagKey) + len(tag) + 8)
	buf.WriteString(`{"` + tagKey + `":`)
	t, _ := json.Marshal(tag)
	buf.Write(t)
	if len(body) > 2 {
		buf.WriteByte(',')
		buf.Write(body[1:])
	} else {
		buf.WriteByte('}')
	}
	return buf.Bytes(), nil
}

// Tagged is a JSON object read by SplitTagged: its bytes, tag included, and
// its parsed tree without the tag.
type Tagged struct {
	data   []byte
	tagKey string
	tree   map[string]any
}

// SplitTagged reads a JSON object's tag. The object is parsed once; decode
// then reads the rest of it.
func SplitTagged(data []byte, tagKey string) (tag string, body Tagged, err error) {
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil || tree == nil {
		return "", Tagged{}, shotline.Invalid(tagKey, "must be a JSON object with a "+tagKey)
	}
	tag, ok := tree[tagKey].(string)
	if !ok || tag == "" {
		return "", Tagged{}, shotline.Invalid(tagKey, "must be a non-empty string")
	}
	delete(tree, tagKey)
	return tag, Tagged{data: data, tagKey: tagKey, tree: tree}, nil
}

// decode decodes the object without its tag into v (a pointer), strictly:
// every key must be a field of the type it lands in. The tag is not a
// field of any Tagged type (TestTagIsNoField), so v is decoded from the
// object's bytes as they are; a type with its own UnmarshalJSON gets them
// without the tag.
func (b Tagged) Decode(v any) error {
	t := reflect.TypeOf(v).Elem()
	if !t.Implements(unmarshalerType) && !reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := checkFields(b.tree, t, ""); err != nil {
			return err
		}
		return unmarshalError(json.Unmarshal(b.data, v))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b.data, &fields); err != nil {
		return shotline.Invalid("message", "malformed JSON")
	}
	delete(fields, b.tagKey)
	body, err := json.Marshal(fields)
	if err != nil {
		return shotline.Invalid("message", "malformed JSON")
	}
	return StrictUnmarshal(body, v)
}

// StrictUnmarshal decodes data into v (a pointer), failing on any key that is
// not a field of the type it lands in.
func StrictUnmarshal(data []byte, v any) error {
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return shotline.Invalid("message", "malformed JSON")
	}
	if err := checkFields(tree, reflect.TypeOf(v).Elem(), ""); err != nil {
		return err
	}
	return unmarshalError(json.Unmarshal(data, v))
}

// unmarshalError turns json.Unmarshal's error into EINVALID.
func unmarshalError(err error) error {
	if err == nil {
		return nil
	}
	var se *shotline.Error
	if errors.As(err, &se) {
		return se
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return shotline.Invalid(te.Field, "has the wrong type")
	}
	return shotline.Invalid("message", "malformed JSON")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// checkFields walks a decoded JSON tree along the Go type it will be decoded
// into. Types with their own UnmarshalJSON check themselves.
func checkFields(tree any, t reflect.Type, path string) error {
	if t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkFields(tree, t.Elem(), path)
	case reflect.Struct:
		obj, ok := tree.(map[string]any)
		if !ok {
			return nil // a type mismatch: json.Unmarshal reports it
		}
		fields := JSONFields(t)
		for k, v := range obj {
			ft, ok := fields[k]
			if !ok {
				return shotline.Invalid(joinPath(path, k), "unknown field")
			}
			if err := checkFields(v, ft, joinPath(path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := tree.([]any)
		for i, v := range arr {
			if err := checkFields(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, _ := tree.(map[string]any)
		for k, v := range obj {
			if err := checkFields(v, t.Elem(), joinPath(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var jsonFieldsCache sync.Map // reflect.Type → map[string]reflect.Type

// JSONFields maps the JSON keys of struct type t, including those of
// embedded structs, to their field types.
func JSONFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := jsonFieldsCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range JSONFields(f.Type) {
				m[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	jsonFieldsCache.Store(t, m)
	return m
}
