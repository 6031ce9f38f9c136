package okayapi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
)

// sealed is a secret (a member's token) encrypted with a key made at random
// when the process starts, so that what reflection shows of a value holding
// it (testify's and go-cmp's diffs, spew, reflect-based printers) is noise,
// while equal secrets still seal to equal values (==, reflect.DeepEqual).
// The key lives in package state, which no dump of a value reaches.
//
// It is deterministic (SIV-like): the nonce is an HMAC of the secret, and
// the secret is AES-CTR encrypted under it.
type sealed string

const nonceLen = aes.BlockSize

var sealKeys = newSealKeys()

type sealKeyPair struct {
	block cipher.Block
	mac   []byte
}

func newSealKeys() sealKeyPair {
	var k [16 + 32]byte
	if _, err := rand.Read(k[:]); err != nil {
		panic("okayapi: no randomness for the token's key: " + err.Error())
	}
	block, err := aes.NewCipher(k[:16])
	if err != nil {
		panic(err) // not reached: 16 bytes is an AES-128 key
	}
	return sealKeyPair{block: block, mac: k[16:]}
}

// seal seals s; "" stays "".
func seal(s string) sealed {
	if s == "" {
		return ""
	}
	m := hmac.New(sha256.New, sealKeys.mac)
	m.Write([]byte(s))
	out := make([]byte, nonceLen+len(s))
	copy(out, m.Sum(nil)[:nonceLen])
	cipher.NewCTR(sealKeys.block, out[:nonceLen]).XORKeyStream(out[nonceLen:], []byte(s))
	return sealed(out)
}

// open returns the secret s seals.
func (s sealed) open() string {
	if len(s) <= nonceLen {
		return ""
	}
	out := make([]byte, len(s)-nonceLen)
	cipher.NewCTR(sealKeys.block, []byte(s[:nonceLen])).XORKeyStream(out, []byte(s[nonceLen:]))
	return string(out)
}
