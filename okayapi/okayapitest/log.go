package okayapitest

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
)

// RecordedRequest is one request as the server saw and answered it.
//
// Whether the call's work was done, whatever the client was told, is in
// Processed, Ret and ErrCode, and WorkDone sums them up: a soak test
// compares it with what each call reported.
type RecordedRequest struct {
	Method  string     // GET or POST
	Path    string     // the URL path
	Query   url.Values // the URL query
	Form    url.Values // body + query merged as PHP reads them: names rewritten (x.y as x_y, a[b] as a: "Array"), one value per name, the body's winning
	Service string     // as resolved from service, s or the path ("" if none)
	Status  int        // HTTP status answered (0 if the connection was dropped or stalled)
	// Processed says whether the call was processed: its checks ran and,
	// if they passed, the service's handler, before any fault spoiled the
	// answer (see Fault). For an early gateway fault (502-early …) it is
	// true at once: the backend runs the call
	// after the answer, and Ret and ErrCode stay 0 until it has (see
	// Server.Drain).
	Processed bool
	// Ret and ErrCode are the call's own result: the envelope's ret and
	// data.err_code, or 0 if the call was not processed. For the faults
	// that process the call and then spoil the answer they are those of
	// the result the client did not get: ret 200 and err_code 0 for a
	// call that did its work, a refusal's ret (400–499) or the plugin's
	// err_code for one that did not.
	Ret     int   // the envelope's ret
	ErrCode int   // the envelope's data.err_code
	Fault   Fault // "" if none
	// WorkDone says whether the call did its work (a message was stored,
	// say), whatever answer, or none, the client got: it was processed
	// and its own result was ret 200 with err_code 0. It is false for a
	// call that was never run (see Processed) and for one that was
	// refused (ret 400–499) or failed with an err_code.
	WorkDone bool
}

// Requests returns a copy of the requests the server saw, oldest first: all
// of them, or the last 10000 (see WithMaxRequests).
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, 0, len(s.requests))
	for _, part := range [2][]RecordedRequest{s.requests[s.oldest:], s.requests[:s.oldest]} {
		for _, r := range part {
			r.Query = cloneValues(r.Query)
			r.Form = cloneValues(r.Form)
			r.WorkDone = r.Processed && r.Ret == 200 && r.ErrCode == 0
			out = append(out, r)
		}
	}
	return out
}

// record keeps rec and logs it (see WithLogger), and returns its number
// for setResult.
func (s *Server) record(rec RecordedRequest) uint64 {
	s.mu.Lock()
	seq := s.keepRequest(rec)
	s.mu.Unlock()
	s.log(rec)
	return seq
}

// setResult fills in the Ret and ErrCode of the request numbered seq, once
// the backend has run it, if it is still kept.
func (s *Server) setResult(seq uint64, ret, errCode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, n := range s.seqs {
		if n == seq {
			s.requests[i].Ret, s.requests[i].ErrCode = ret, errCode
			return
		}
	}
}

// log logs rec (see WithLogger).
func (s *Server) log(rec RecordedRequest) {
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
	if rec.Fault != "" {
		attrs = append(attrs, slog.String("fault", string(rec.Fault)))
	}
	s.cfg.log.LogAttrs(context.Background(), slog.LevelInfo, "okayapitest call", attrs...)
}

// keepRequest adds rec to the kept requests, pushing out the oldest one if
// there are as many as the server keeps, and returns its number; s.mu must
// be held.
func (s *Server) keepRequest(rec RecordedRequest) uint64 {
	s.lastSeq++
	if s.cfg.maxReqs < 1 || len(s.requests) < s.cfg.maxReqs {
		s.requests = append(s.requests, rec)
		s.seqs = append(s.seqs, s.lastSeq)
		return s.lastSeq
	}
	s.requests[s.oldest] = rec
	s.seqs[s.oldest] = s.lastSeq
	s.oldest = (s.oldest + 1) % len(s.requests)
	return s.lastSeq
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
