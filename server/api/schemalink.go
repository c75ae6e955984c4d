package api

import (
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// fixSchemaLink runs after Huma's schema link transformer. For a request to
// "localhost…" Huma takes the host from the OpenAPI server URL, which is "/"
// here (the API is wherever it is reached), and writes "https:////schemas/…"
// (huma v2 transforms.go, SchemaLinkTransformer.Transform). Such a link
// becomes scheme://host/schemas/… with the host the request named, so it
// resolves; every other link is left as Huma wrote it.
func fixSchemaLink(ctx huma.Context, _ string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct || rv.Elem().NumField() == 0 {
		return v, nil
	}
	f := rv.Elem().Type().Field(0)
	if f.Tag.Get("json") != "$schema" || f.Type.Kind() != reflect.String || !rv.Elem().Field(0).CanSet() {
		return v, nil
	}
	link := rv.Elem().Field(0).String()
	i := strings.Index(link, ":////")
	if i < 0 {
		return v, nil
	}
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	host := ctx.Host()
	if fwd := ctx.Header("X-Forwarded-Host"); fwd != "" {
		host = fwd // what Huma looked at: a proxy's "localhost:…"
	}
	rv.Elem().Field(0).SetString(scheme + "://" + host + link[i+len(":///"):])
	return v, nil
}

// withSchemaLinkFix appends fixSchemaLink after the transformers Huma's own
// create hooks add (its schema link transformer among them).
func withSchemaLinkFix(cfg huma.Config) huma.Config {
	cfg.CreateHooks = append(cfg.CreateHooks, func(c huma.Config) huma.Config {
		c.Transformers = append(c.Transformers, fixSchemaLink)
		return c
	})
	return cfg
}
