module github.com/gatehouse-go/gatehouse/examples

go 1.25.0

replace (
	github.com/gatehouse-go/gatehouse => ../
	github.com/gatehouse-go/gatehouse/cmd/gatehouse-scan => ../cmd/gatehouse-scan
	github.com/gatehouse-go/gatehouse/prommetrics => ../prommetrics
	github.com/gatehouse-go/gatehouse/redisstore => ../redisstore
	github.com/gatehouse-go/gatehouse/sqlstore => ../sqlstore
)

require github.com/stretchr/testify v1.12.1 // indirect
