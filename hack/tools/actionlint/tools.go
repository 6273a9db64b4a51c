//go:build tools

// Package tools records the actionlint command built from this module.
package tools

import _ "github.com/rhysd/actionlint/cmd/actionlint"
