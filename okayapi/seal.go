package okayapi

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
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
	out := m.Sum(nil)
	var b strings.Builder
	b.Grow(nonceLen + len(s))
	b.Write(out[:nonceLen])
	xorCTR(&b, s, string(out[:nonceLen]))
	return sealed(b.String())
}

// open returns the secret s seals.
func (s sealed) open() string {
	if len(s) <= nonceLen {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s) - nonceLen)
	xorCTR(&b, string(s[nonceLen:]), string(s[:nonceLen]))
	return b.String()
}

// xorCTR writes src XORed with AES-CTR's key stream from iv to dst. It is
// cipher.NewCTR without the stream's 512-byte buffer: a token is 4 blocks.
func xorCTR(dst *strings.Builder, src string, iv string) {
	var buf [2 * aes.BlockSize]byte
	ctr, ks := buf[:aes.BlockSize], buf[aes.BlockSize:]
	copy(ctr, iv)
	for i := 0; i < len(src); i += aes.BlockSize {
		sealKeys.block.Encrypt(ks, ctr)
		for j := 0; j < aes.BlockSize && i+j < len(src); j++ {
			dst.WriteByte(src[i+j] ^ ks[j])
		}
		for k := aes.BlockSize - 1; k >= 0; k-- {
			ctr[k]++
			if ctr[k] != 0 {
				break
			}
		}
	}
}
