package chatmsg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/okayapi"
)

// listAnswer wraps list (the JSON of data.list) in a success envelope.
func listAnswer(list string) []byte {
	return []byte(`{"ret":200,"data":{"err_code":0,"err_msg":"","list":` + list + `,"unread_num":3,"total":7},"msg":""}`)
}

// tinyRows returns a JSON array of n rows `{"id":i}` (or, with keyed, PHP's
// object form {"0":{...},...}).
func tinyRows(n int, keyed bool) string {
	var b strings.Builder
	if keyed {
		b.WriteByte('{')
	} else {
		b.WriteByte('[')
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if keyed {
			b.WriteString(`"` + strconv.Itoa(i) + `":`)
		}
		b.WriteString(`{"id":` + strconv.Itoa(i+1) + `}`)
	}
	if keyed {
		b.WriteByte('}')
	} else {
		b.WriteByte(']')
	}
	return b.String()
}

// TestListsKeepAtMostWhatWasAsked: TakeMessageList and GetAllChatList keep
// at most perpage rows (MaxPerPage when perpage is 0), the first ones, in
// either list form; one odd row still counts as a row.
func TestListsKeepAtMostWhatWasAsked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		list    string
		perpage int
		want    int
	}{
		{"array, perpage 20", tinyRows(1000, false), 20, 20},
		{"array, perpage 1", tinyRows(5, false), 1, 1},
		{"array, perpage 0 keeps MaxPerPage", tinyRows(1000, false), 0, chatmsg.MaxPerPage},
		{"keyed object, perpage 20", tinyRows(1000, true), 20, 20},
		{"keyed object, perpage 0", tinyRows(1000, true), 0, chatmsg.MaxPerPage},
		{"fewer rows than asked", tinyRows(3, false), 20, 3},
		{"odd rows count", `[1,"x",null,{"id":4},[],{"id":6}]`, 5, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			body := listAnswer(tc.list)
			mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, body)
			mock.reply(chatmsg.ServiceGetAllChatList, http.StatusOK, body)

			list, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{PerPage: tc.perpage})
			require.NoError(t, err)
			require.Equal(t, tc.want, len(list.Messages))
			assert.Equal(t, 3, list.Unread)
			assert.Equal(t, compactJSON(t, fixtureData(t, body)), compactJSON(t, list.Raw), "Raw keeps the whole answer")
			for i, m := range list.Messages {
				assert.NotNil(t, m.Message, "row %d", i)
			}
			if strings.HasPrefix(tc.name, "array") || strings.HasPrefix(tc.name, "keyed") {
				assert.Equal(t, int64(1), list.Messages[0].ID)
				assert.Equal(t, int64(tc.want), list.Messages[tc.want-1].ID, "the first rows are kept")
			}

			chats, err := svc.GetAllChatList(context.Background(), replayMember(), chatmsg.ChatListOptions{PerPage: tc.perpage})
			require.NoError(t, err)
			require.Equal(t, tc.want, len(chats.Chats))
			assert.Equal(t, 7, chats.Total)
		})
	}
}

// TestListNotAListStillFails: bounding the rows keeps the old rule that a
// list which is no list at all is a DecodeError (which may have arrived).
func TestListNotAListStillFails(t *testing.T) {
	t.Parallel()
	for _, list := range []string{`"x"`, `12`, `true`} {
		t.Run(list, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, listAnswer(list))
			_, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{PerPage: 5})
			var de *okayapi.DecodeError
			require.ErrorAs(t, err, &de)
			assert.True(t, okayapi.MayHaveArrived(err))
		})
	}
	for _, list := range []string{`null`, `[]`, `{}`} {
		t.Run(list, func(t *testing.T) {
			t.Parallel()
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, listAnswer(list))
			got, err := svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{PerPage: 5})
			require.NoError(t, err)
			assert.Empty(t, got.Messages)
		})
	}
}

// TestMultiSendKeepsAtMostOneDeliveryPerRecipient: detail holds at most
// len(to) entries; the rest is not read.
func TestMultiSendKeepsAtMostOneDeliveryPerRecipient(t *testing.T) {
	t.Parallel()
	for _, keyed := range []bool{false, true} {
		t.Run(fmt.Sprint("keyed ", keyed), func(t *testing.T) {
			t.Parallel()
			var detail strings.Builder
			open, close := "[", "]"
			if keyed {
				open, close = "{", "}"
			}
			detail.WriteString(open)
			for i := range 5000 {
				if i > 0 {
					detail.WriteByte(',')
				}
				if keyed {
					detail.WriteString(`"` + strconv.Itoa(i) + `":`)
				}
				fmt.Fprintf(&detail, `{"other_uuid":"%s","chat_message_id":%d}`, hexUUID(i), i+100)
			}
			detail.WriteString(close)
			body := `{"ret":200,"data":{"err_code":0,"err_msg":"","detail":` + detail.String() + `},"msg":""}`
			svc, mock := newMockAPI(t, okayapi.QueryForm)
			mock.reply(chatmsg.ServiceMultiSend, http.StatusOK, []byte(body))

			res, err := svc.MultiSend(context.Background(), replayMember(), []string{hexUUID(0), hexUUID(1)}, chatmsg.Text{Content: "hi"})
			require.NoError(t, err)
			assert.Equal(t, []chatmsg.Delivery{{To: hexUUID(0), MessageID: 100}, {To: hexUUID(1), MessageID: 101}}, res.Deliveries)
		})
	}
}

// aloneEnv names the test that a child test binary runs alone.
const aloneEnv = "CHATMSG_TEST_ALONE"

// runAlone makes t's body run in a child process of the test binary that runs
// nothing else, so that runtime.MemStats there sees no other test's
// allocations (every test here runs in parallel). It returns true in the
// child, where the caller goes on with the measurement; in the parent it runs
// the child, fails t if the child failed, and returns false.
func runAlone(t *testing.T) bool {
	t.Helper()
	if os.Getenv(aloneEnv) == t.Name() {
		return true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), aloneEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child test failed:\n%s", out)
	require.Contains(t, string(out), "--- PASS: "+t.Name(), "the child ran the test:\n%s", out)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "allocated") {
			t.Log(strings.TrimSpace(line))
		}
	}
	return false
}

// allocatedBy returns the bytes of heap allocated while f ran.
func allocatedBy(f func()) uint64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestListMemoryBoundedTinyRows: a 3 MB answer of a million tiny rows for a
// page of 20 gives 20 messages and allocates a small multiple of its size,
// not one ChatMessage per row.
func TestListMemoryBoundedTinyRows(t *testing.T) {
	t.Parallel()
	if !runAlone(t) {
		return
	}
	var list strings.Builder
	list.WriteByte('[')
	for list.Len() < 3<<20 {
		list.WriteString(`{},`)
	}
	list.WriteString(`{}]`)
	body := listAnswer(list.String())
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, body)

	var got *chatmsg.MessageList
	var err error
	alloc := allocatedBy(func() {
		got, err = svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{PerPage: 20})
	})
	require.NoError(t, err)
	assert.Equal(t, 20, len(got.Messages), "messages kept")
	t.Logf("answer %d bytes, allocated %d bytes", len(body), alloc)
	assert.Less(t, alloc, uint64(40<<20), "heap allocated for a %d-byte answer", len(body))
}

// TestListMemoryBoundedChatList: the same for GetAllChatList, with perpage 0
// (at most MaxPerPage rows kept).
func TestListMemoryBoundedChatList(t *testing.T) {
	t.Parallel()
	if !runAlone(t) {
		return
	}
	var list strings.Builder
	list.WriteByte('[')
	for list.Len() < 3<<20 {
		list.WriteString(`[],`)
	}
	list.WriteString(`[]]`)
	body := listAnswer(list.String())
	svc, mock := newMockAPI(t, okayapi.QueryForm)
	mock.reply(chatmsg.ServiceGetAllChatList, http.StatusOK, body)

	var got *chatmsg.ChatList
	var err error
	alloc := allocatedBy(func() {
		got, err = svc.GetAllChatList(context.Background(), replayMember(), chatmsg.ChatListOptions{})
	})
	require.NoError(t, err)
	assert.Equal(t, chatmsg.MaxPerPage, len(got.Chats), "chats kept")
	t.Logf("answer %d bytes, allocated %d bytes", len(body), alloc)
	assert.Less(t, alloc, uint64(40<<20), "heap allocated for a %d-byte answer", len(body))
}

// defaultMaxResponseSize is okayapi.WithMaxResponseSize's default, 8 MiB.
const defaultMaxResponseSize = 8 << 20

// TestListMemoryBoundedLargeAnswer: answers just under the client's default
// cap of 8 MiB, valid and fully used (100 rows of 80 KB) or not (a million
// tiny rows, 100 kept), are read with memory a small multiple of their size.
func TestListMemoryBoundedLargeAnswer(t *testing.T) {
	t.Parallel()
	if !runAlone(t) {
		return
	}
	// 100 full rows of about 80 KB each: long Chinese text, escaped as PHP
	// escapes it, 6 bytes per character.
	content := strings.Repeat(`\u4f60`, 13_700)
	var rows []string
	for i := range chatmsg.MaxPerPage {
		rows = append(rows, fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_data":{"content":"%s","n":%d},`+
			`"chat_message_type":"text","chat_message_is_read":"0","chat_message_io":"in","add_time":"2019-08-11 17:12:02"}`,
			i+1, uuidAB, content, i))
	}
	full := listAnswer("[" + strings.Join(rows, ",") + "]")
	// The same size of tiny rows, for the default page (MaxPerPage kept).
	var tiny bytes.Buffer
	tiny.WriteByte('[')
	for tiny.Len() < len(full)-200 {
		tiny.WriteString(`{"id":1},`)
	}
	tiny.WriteString(`{"id":1}]`)
	tinyBody := listAnswer(tiny.String())
	// 100 rows whose extension fields hold what costs most to decode: long
	// lists of tiny values, and thousands of tiny fields.
	extRows := func(ext func(size int) string) []byte {
		var rows []string
		for i := range chatmsg.MaxPerPage {
			rows = append(rows, fmt.Sprintf(`{"id":"%d","chat_message_to_uuid":"%s","chat_message_data":{"content":"x",%s},`+
				`"chat_message_type":"text","chat_message_is_read":"0","chat_message_io":"in","add_time":"2019-08-11 17:12:02"}`,
				i+1, uuidAB, ext(len(full)/chatmsg.MaxPerPage-300)))
		}
		return listAnswer("[" + strings.Join(rows, ",") + "]")
	}
	numbers := extRows(func(size int) string { return `"e":[` + strings.Repeat("0,", size/2-4) + `0]` })
	arrays := extRows(func(size int) string { return `"e":[` + strings.Repeat("[],", size/3-4) + `[]]` })
	keys := extRows(func(size int) string {
		var b strings.Builder
		for i := 0; b.Len() < size-20; i++ {
			fmt.Fprintf(&b, `"k%d":0,`, i)
		}
		b.WriteString(`"z":0`)
		return b.String()
	})

	for _, tc := range []struct {
		name string
		body []byte
	}{{"full rows", full}, {"tiny rows", tinyBody}, {"ext of numbers", numbers}, {"ext of empty arrays", arrays}, {"thousands of ext fields", keys}} {
		require.Less(t, len(tc.body), defaultMaxResponseSize, tc.name)
		require.Greater(t, len(tc.body), defaultMaxResponseSize-300<<10, tc.name)
		require.True(t, json.Valid(tc.body), tc.name)
		svc, mock := newMockAPI(t, okayapi.QueryForm)
		mock.reply(chatmsg.ServiceTakeMessageList, http.StatusOK, tc.body)

		var got *chatmsg.MessageList
		var err error
		alloc := allocatedBy(func() {
			got, err = svc.TakeMessageList(context.Background(), replayMember(), uuidAB, chatmsg.ListOptions{})
		})
		require.NoError(t, err, tc.name)
		require.Equal(t, chatmsg.MaxPerPage, len(got.Messages), tc.name)
		if tc.name == "full rows" {
			text, ok := got.Messages[99].Message.(chatmsg.Text)
			require.True(t, ok, "%T", got.Messages[99].Message)
			assert.Equal(t, strings.Repeat("你", 13_700), text.Content)
		}
		t.Logf("%s: answer %d bytes, allocated %d bytes", tc.name, len(tc.body), alloc)
		// A small multiple of the answer (about 5 times; 7 with -race): the
		// body is read once, each kept row's message is copied a few times
		// while decoded, and lists nested in extension fields stay raw.
		assert.Less(t, alloc, uint64(8*len(tc.body)), "%s: heap allocated for a %d-byte answer", tc.name, len(tc.body))
	}
}
