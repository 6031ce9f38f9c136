package okayapitest

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
)

// RecordedRequest is one request as the server saw and answered it.
type RecordedRequest struct {
	Method  string     // GET or POST
	Path    string     // the URL path
	Query   url.Values // the URL query
	Form    url.Values // body + query merged as the server read them (one value per name, the body's winning)
	Service string     // as resolved from service, s or the path ("" if none)
	Status  int        // HTTP status answered (0 if the connection was dropped)
	// Ret and ErrCode are the envelope's ret and data.err_code, or 0 if
	// the call was not processed (FaultHTML502, FaultStall, FaultNonJSON,
	// FaultRedirect307). For the faults that process the call and then
	// spoil the answer (FaultDropAfter, FaultTruncate, FaultException500,
	// FaultExceptionRet0, FaultExceptionDB, FaultStoreThenRedirect) they
	// are those of the call's own result, which the client did not get:
	// ret 200 and err_code 0 for a call that did its work.
	Ret     int   // the envelope's ret
	ErrCode int   // the envelope's data.err_code
	Fault   Fault // 0 if none
}

// Requests returns a copy of the requests the server saw, oldest first: all
// of them, or the last DefaultMaxRequests (see WithMaxRequests).
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, 0, len(s.requests))
	for _, part := range [2][]RecordedRequest{s.requests[s.oldest:], s.requests[:s.oldest]} {
		for _, r := range part {
			r.Query = cloneValues(r.Query)
			r.Form = cloneValues(r.Form)
			out = append(out, r)
		}
	}
	return out
}

// record keeps rec and logs it (see WithLogger).
func (s *Server) record(rec RecordedRequest) {
	s.mu.Lock()
	s.keepRequest(rec)
	s.mu.Unlock()
	if s.cfg.log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", rec.Method),
		slog.String("service", rec.Service),
		slog.Int("status", rec.Status),
		slog.Int("ret", rec.Ret),
		slog.Int("err_code", rec.ErrCode),
	}
	if rec.Fault != 0 {
		attrs = append(attrs, slog.String("fault", rec.Fault.String()))
	}
	s.cfg.log.LogAttrs(context.Background(), slog.LevelInfo, "okayapitest call", attrs...)
}

// keepRequest adds rec to the kept requests, pushing out the oldest one if
// there are as many as the server keeps; s.mu must be held.
func (s *Server) keepRequest(rec RecordedRequest) {
	if s.cfg.maxReqs < 1 || len(s.requests) < s.cfg.maxReqs {
		s.requests = append(s.requests, rec)
		return
	}
	s.requests[s.oldest] = rec
	s.oldest = (s.oldest + 1) % len(s.requests)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
