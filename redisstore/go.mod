module github.com/okayapi-go/sdk/redisstore

go 1.24.0

require (
	github.com/okayapi-go/sdk v0.0.0
	github.com/redis/go-redis/v9 v9.20.1
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	golang.org/x/time v0.14.0 // indirect
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/jarcoal/httpmock v1.4.2 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/okayapi-go/sdk => ../
