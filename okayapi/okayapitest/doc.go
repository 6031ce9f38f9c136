// Package okayapitest is an in-process fake OkayAPI app for tests and demos.
//
// A [Server] listens on a loopback address and answers like the hosted
// service: it checks the service name, the parameters, the app key, the
// signature (dynamic, static or none) and the member's login state in that
// order, and answers with the {ret, data, msg} envelope in PHP's JSON
// style. It knows the members of the app (App.User.Login,
// App.User.Register, [Server.AddMember]); a plugin's services join it with
// [Server.Handle], so that a fake for any OkayAPI plugin can be written
// outside this package (chatmsg/chatmsgtest is the chat plugin's).
//
// By default it is the production stack, PHP's habits included
// ([WithQuirks] turns them off): numbers from MySQL as strings, empty
// objects as [], a debug field, floats without a zero fraction (1.0 is
// written 1). It reads parameters as PHP fills $_REQUEST: "x.y" and "a b"
// arrive as x_y and a_b, "a[b]" as the array a (whose value is "Array"),
// and a decimal name as an integer key; and it checks the dynamic
// signature over that, sorted as PHP's ksort sorts, with its own code
// written from docs/wire.md rather than package sign, so that a signing
// bug is caught, not mirrored.
//
// Faults, named in [Fault]'s table, can be injected into the next calls (a
// connection lost before or after the call was processed, an nginx 502
// page, a 503 or 504 gateway page after the call did its work, a 502, 503
// or 504 at once while the backend does the work later (WithBackendDelay),
// a 429 with or without Retry-After, a stalled answer, a truncated answer,
// a PHP error page, an uncaught PHP exception after the call did its work
// as PhalApi answers it with debug mode off or on, a redirect before or
// after the work), and the server records the requests it saw (the last
// 10000 of them), with whether each call's work was done
// (RecordedRequest.WorkDone), so that a test can check what really
// happened. With WithControlEndpoint, faults can also be injected over
// HTTP, into a fake that runs as its own process.
//
//	srv := okayapitest.NewServer(t)
//	alice := srv.AddMember(okayapitest.Account{Username: "alice", Password: "pw"})
//	srv.Handle(okayapitest.Service{Name: "App.Hello.World", Params: …, Handler: …})
//	client := okayapitest.NewClient(t, srv)
//	srv.InjectFault("", "drop-after", 1) // the next call is run, its answer lost
//
// # What it checks and answers
//
// Calls may be GET or POST (urlencoded or multipart form, or the query);
// the body wins over the query for the same name. The service comes from the
// service parameter, then s, then the path (/api/App/Class/Action). The
// answer is always HTTP 200 with the envelope, unless a fault says
// otherwise. Checks, in order, with PhalApi's messages:
//
//	unknown service                  ret 404 非法请求：服务App.Nope.Nothing不存在
//	parameters, app_key first        ret 400 naming the parameter, e.g.
//	  (required, 32 characters or      客户端非法请求：缺少必要参数app_key
//	  more), then the service's own    客户端非法请求：缺少必要参数other_uuid
//	  in their declared order          非法请求：other_uuid的长度不能小于32
//	  (see Param)
//	app_key not this app's           ret 406 客户端非法请求：非法app_key，请核对你所在的接口域名
//	signature (WithSecret, …)        ret 400 非法请求：签名错误 (also when sign is missing)
//	login, for a Service with Login  ret 401 用户未登录，或登录凭证已过期
//	  (uuid + valid token)
//	the service's Handler            its Answer: ret 200 with data, or a refusal
//
// So a wrong app key shorter than 32 characters answers the parameter 400,
// not 406 (okayapi.ErrBadRequest, not okayapi.ErrBadAppKey).
//
// This order follows PhalApi 2's source: ApiFactory resolves the service,
// then Api::init() runs createMemberValue() (the parameter rules, the
// common app_key rule first), filterCheck() (OkayAPI's filter: app key,
// then signature) and userCheck() (login). It is not verified against the
// hosted service, so code should not rely on which of two problems in one
// request is reported.
//
// The dynamic signature must match exactly (upper-case hex); member uuids
// are matched ignoring case, as MySQL would. App.User.Login takes the
// username and the md5 hex of the password and issues a new token each time
// (older ones stay valid until ExpireToken); App.User.Register takes
// username, password and an optional ext_info object. Both answer err_code 1
// for a wrong login or a taken username.
//
// The server side is written independently of package okayapi's encoding
// and decoding, so that a test against it checks the SDK rather than
// agreeing with it. A Server is safe for concurrent use.
package okayapitest
