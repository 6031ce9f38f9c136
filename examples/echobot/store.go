package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/okayapi-go/sdk/chatmsg/watch"
)

// fileStore is a watch.Store in one JSON file: each member's
// cursor by uuid. Save writes a new file and renames it over the old one,
// so the file always holds a whole cursor.
type fileStore struct {
	path string
	mu   sync.Mutex
}

var _ watch.Store = (*fileStore)(nil)

func (s *fileStore) read() (map[string]json.RawMessage, error) {
	all := map[string]json.RawMessage{}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return all, nil
}

func (s *fileStore) Load(_ context.Context, member string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	c, found := all[member]
	return c, found, err
}

func (s *fileStore) Save(_ context.Context, member string, c []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.read()
	if err != nil {
		return err
	}
	all[member] = c
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // once renamed, there is nothing to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
