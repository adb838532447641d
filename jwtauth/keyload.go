package jwtauth

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxKeyFileBytes bounds what the loaders read.
const maxKeyFileBytes = 1 << 20

// ParsePEM parses a PEM-encoded key for alg: a private key ("PRIVATE KEY"
// PKCS #8, "RSA PRIVATE KEY" PKCS #1, "EC PRIVATE KEY" SEC 1) or a public
// key ("PUBLIC KEY" PKIX, "RSA PUBLIC KEY" PKCS #1). Only the first PEM
// block is read. An empty kid is derived (see NewKey).
func ParsePEM(kid string, alg Algorithm, data []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("jwtauth: no PEM block found")
	}
	if len(block.Headers) != 0 {
		return nil, errors.New("jwtauth: encrypted or annotated PEM blocks are unsupported")
	}
	var material any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		material, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		material, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		material, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		material, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		material, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("jwtauth: unsupported PEM block type %q", block.Type)
	}
	if err != nil {
		// x509's messages describe the structure, never the key bytes.
		return nil, fmt.Errorf("jwtauth: parsing PEM %s: %w", block.Type, err)
	}
	return NewKey(kid, alg, material)
}

// ParseKey parses key material in any of the forms the loaders accept,
// recognised by its content: a PEM block ("-----BEGIN"), a JWK (a JSON
// object; its own "kid" and "alg" win when present, and must agree with
// the arguments when both are given), or, for an HMAC alg, the raw bytes
// of a secret. Surrounding whitespace is trimmed.
func ParseKey(kid string, alg Algorithm, data []byte) (*Key, error) {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(data, []byte("-----BEGIN")):
		return ParsePEM(kid, alg, data)
	case bytes.HasPrefix(data, []byte("{")):
		k, err := parseJWK(data, true, alg, kid)
		if err != nil {
			return nil, err
		}
		if alg != "" && k.alg != alg {
			return nil, errors.New("jwtauth: JWK alg differs from the requested algorithm")
		}
		if kid != "" && k.kid != kid {
			return nil, errors.New("jwtauth: JWK kid differs from the requested kid")
		}
		return k, nil
	case alg.Symmetric():
		return NewKey(kid, alg, data)
	}
	return nil, errors.New("jwtauth: key material is neither PEM nor JWK")
}

// LoadKeyFile reads a key from a file (a mounted secret, a PEM file, a JWK
// file); see ParseKey for the accepted forms. Files over 1 MiB are refused.
func LoadKeyFile(path, kid string, alg Algorithm) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwtauth: reading key file: %w", err)
	}
	defer clear(data)
	if len(data) > maxKeyFileBytes {
		return nil, errors.New("jwtauth: key file larger than 1 MiB")
	}
	k, err := ParseKey(kid, alg, data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

// KeyFromEnv reads a key from the environment variable name; see ParseKey
// for the accepted forms. An HMAC secret is used as the variable's bytes,
// as PyJWT and most FastAPI setups do, so tokens they signed still verify.
// The error for an unset or empty variable names the variable, never its
// value.
func KeyFromEnv(name, kid string, alg Algorithm) (*Key, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return nil, fmt.Errorf("jwtauth: environment variable %s is not set", name)
	}
	k, err := ParseKey(kid, alg, []byte(v))
	if err != nil {
		return nil, fmt.Errorf("%w (environment variable %s)", err, name)
	}
	return k, nil
}
