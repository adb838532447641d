module github.com/gatehouse-go/gatehouse/examples

go 1.25.0

replace (
	github.com/gatehouse-go/gatehouse => ../
	github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan => ../cmd/gatehouse-scan
	github.com/gatehouse-go/gatehouse/prommetrics => ../prommetrics
	github.com/gatehouse-go/gatehouse/redisstore => ../redisstore
	github.com/gatehouse-go/gatehouse/sqlstore => ../sqlstore
)

require (
	github.com/gatehouse-go/gatehouse/sqlstore v0.0.0-00010101000000-000000000000
	github.com/jackc/pgx/v5 v5.12.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
