package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// addrEnv names the address of the Redis the tests use. When it is not set,
// the tests start a redis-server of their own (it must be on PATH).
const addrEnv = "OKAYAPI_REDIS_ADDR"

// childEnv, when set, makes the test binary run as a child process of one of
// the multi-process tests (see children_test.go) instead of running tests.
const childEnv = "REDISSTORE_CHILD"

// heavy is held by the multi-process tests, one at a time: each loads the
// machine (dozens of goroutines, three processes polling 300 members), and
// their figures (rates, takeover times) mean more when they do not share it.
var heavy sync.Mutex

// redisAddr is the address of the Redis every test uses.
var redisAddr string

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		redis.SetLogger(quiet{})
		os.Exit(runChild(role))
	}
	redis.SetLogger(quiet{}) // the tests stop Redis on purpose: no dial errors on stderr
	addr, stop, err := testRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisstore tests: "+err.Error())
		os.Exit(1)
	}
	redisAddr = addr
	code := m.Run()
	stop()
	os.Exit(code)
}

// testRedis finds the Redis of the tests: $OKAYAPI_REDIS_ADDR, which must
// answer, or a redis-server started here. It never skips: without Redis the
// tests fail, saying how to get one.
func testRedis() (string, func(), error) {
	if addr := os.Getenv(addrEnv); addr != "" {
		if err := ping(addr, 5*time.Second); err != nil {
			return "", nil, fmt.Errorf("%s=%s does not answer (%v): start redis-server there, or unset %s to let the tests start their own", addrEnv, addr, err, addrEnv)
		}
		return addr, func() {}, nil
	}
	if os.Getenv("CI") == "true" {
		return "", nil, fmt.Errorf("%s is not set in CI: .ci/run starts redis-server and sets it", addrEnv)
	}
	srv, err := startRedis("")
	if err != nil {
		return "", nil, err
	}
	return srv.addr, srv.stop, nil
}

// redisServer is a redis-server process started by a test.
type redisServer struct {
	addr string
	cmd  *exec.Cmd
}

// startRedis starts redis-server on addr (a free loopback port when ""),
// without persistence, and waits until it answers.
func startRedis(addr string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("no Redis: set %s to a running redis-server, or install one (apt-get install -y redis-server); scripts/redis-test.sh does both", addrEnv)
	}
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		addr = l.Addr().String()
		l.Close()
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--loglevel", "warning")
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	s := &redisServer{addr: addr, cmd: cmd}
	if err := ping(addr, 10*time.Second); err != nil {
		s.stop()
		return nil, fmt.Errorf("redis-server on %s: %w", addr, err)
	}
	return s, nil
}

// stop kills the server and waits for it to exit.
func (s *redisServer) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// ping waits up to d for Redis at addr to answer PING.
func ping(addr string, d time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newClient returns a client of the tests' Redis, closed when t ends.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// testPrefix returns a key prefix of t's own, so that tests sharing one
// Redis never see each other's keys.
func testPrefix(t testing.TB) string {
	return "redisstore-test:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + randHex(4) + ":"
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// envInt reads an integer variable of a child.
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// childCmd is the test binary run again as a child of role, with env
// added; its stderr goes to the test's.
func childCmd(role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+role, addrEnv+"="+redisAddr), env...)
	cmd.Stderr = os.Stderr
	return cmd
}

// quiet is a go-redis logger that logs nothing.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
