package exactlyonce_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/chatmsg"
	"github.com/okayapi-go/sdk/chatmsg/chatmsgtest"
	"github.com/okayapi-go/sdk/chatmsg/exactlyonce"
	"github.com/okayapi-go/sdk/okayapi"
)

// TestDefaultSettleFindsALaggingCopy: with the zero Config, a message
// stored before its answer was lost, behind a replica 250 ms late, is found
// by the one check made after the default Settle (300 ms): the call
// succeeds without waiting the default Horizon and sends nothing again.
func TestDefaultSettleFindsALaggingCopy(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	plugin.SetWorld(chatmsgtest.World{Lag: 250 * time.Millisecond})
	srv.InjectFault(chatmsg.ServiceSend, "drop-after", 1)
	// Long enough for the check after Settle, far shorter than Horizon.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, exactlyonce.Config{})
	require.NoError(t, err, "found by the check after Settle")
	stored := plugin.Messages()
	require.Len(t, stored, 1, "one copy")
	assert.Equal(t, stored[0].ID, res.MessageID)
	assert.Nil(t, res.Response, "found by reading, not sent again")
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceSend))
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceTakeMessageList), "the documented cost: one read when the message was stored")
}

// TestDefaultHorizonIsNotCutShort: with the zero Config, a lost answer
// whose message was not stored is not sent again before the default
// Horizon (30 s): a context that ends after 1 s ends the call uncertain,
// with the one send made and nothing stored.
func TestDefaultHorizonIsNotCutShort(t *testing.T) {
	t.Parallel()
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFault(chatmsg.ServiceSend, "html502", 1) // not stored, but it may have been
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := exactlyonce.Send(ctx, chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, exactlyonce.Config{})
	var ue *exactlyonce.UncertainError
	require.ErrorAs(t, err, &ue, "the context ended before the horizon")
	assert.True(t, errors.Is(ue.Check, context.DeadlineExceeded), "%v", ue.Check)
	assert.True(t, okayapi.MayHaveArrived(err))
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceSend), "not sent again before the horizon")
	assert.Empty(t, plugin.Messages())
}

// TestSettleAtHorizonReadsOnce: when Settle is not shorter than Horizon,
// the check after Settle is already the final one: a lost answer whose
// message was not stored costs one read, then the message is sent again.
func TestSettleAtHorizonReadsOnce(t *testing.T) {
	t.Parallel()
	cfg := exactlyonce.Config{Settle: 20 * time.Millisecond, Horizon: 20 * time.Millisecond}
	chat, srv, plugin, alice, bob := onceWorld(t)
	srv.InjectFault(chatmsg.ServiceSend, "html502", 1)
	res, err := exactlyonce.Send(context.Background(), chat, alice, bob.UUID, chatmsg.Text{Content: "hi"}, cfg)
	require.NoError(t, err)
	require.Len(t, plugin.Messages(), 1)
	assert.NotNil(t, res.Response, "sent again")
	assert.Equal(t, 2, countCalls(srv, chatmsg.ServiceSend))
	assert.Equal(t, 1, countCalls(srv, chatmsg.ServiceTakeMessageList), "one check, made at the horizon")
}
