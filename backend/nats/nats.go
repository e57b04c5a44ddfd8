// Package nats carries realtime traffic between app instances over a NATS
// server: it is the realtime.Broker of instances that share rooms.
package nats

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
)

// subjectPrefix keeps Shotline's subjects apart from anything else on the
// server.
const subjectPrefix = "shotline."

// Broker publishes and subscribes on one NATS connection. It reconnects on
// its own; what is published while it is disconnected is buffered by the
// client (up to its reconnect buffer) and rooms catch up from the op log.
type Broker struct {
	conn *natsgo.Conn
}

// Connect connects to the NATS server at url, with token when the server
// requires one (its "authorization { token }", or nats-server --auth).
func Connect(url, token string, log *slog.Logger) (*Broker, error) {
	opts := []natsgo.Option{
		natsgo.Name("shotline"),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(time.Second),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) {
			log.Info("nats reconnected", "server", c.ConnectedUrlRedacted())
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, sub *natsgo.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Warn("nats", "subject", subject, "err", err)
		}),
	}
	if token != "" {
		opts = append(opts, natsgo.Token(token))
	}
	nc, err := natsgo.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	return &Broker{conn: nc}, nil
}

// Publish implements realtime.Broker.
func (b *Broker) Publish(subject string, data []byte) error {
	s, err := fullSubject(subject)
	if err != nil {
		return err
	}
	return b.conn.Publish(s, data)
}

// Subscribe implements realtime.Broker. fn runs on the subscription's own
// goroutine, one message at a time, in order.
func (b *Broker) Subscribe(subject string, fn func(data []byte)) (func(), error) {
	s, err := fullSubject(subject)
	if err != nil {
		return nil, err
	}
	sub, err := b.conn.Subscribe(s, func(m *natsgo.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", s, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// Ping checks that the server answers.
func (b *Broker) Ping() error {
	return b.conn.FlushTimeout(5 * time.Second)
}

// Close sends what is buffered and closes the connection.
func (b *Broker) Close() error {
	return b.conn.Drain()
}

func fullSubject(subject string) (string, error) {
	if subject == "" || strings.ContainsAny(subject, " \t\r\n*>") {
		return "", errors.New("nats: invalid subject " + subject)
	}
	return subjectPrefix + subject, nil
}
