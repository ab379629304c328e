using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Flotilla.ControlPlane.Events;

/// <summary>
/// The in-process event stream: every subscriber gets its own bounded queue, so a slow reader
/// only loses its own oldest events (and can re-read the store) and never slows the server.
/// Thread safe.
/// </summary>
public sealed class ControlPlaneEvents
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    public Subscription Subscribe(int capacity = 10_000)
    {
        var subscription = new Subscription(this, capacity);
        _subscriptions[subscription] = 0;
        return subscription;
    }

    public void Publish(ControlPlaneEvent @event)
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            subscription.Write(@event);
        }
    }

    /// <summary>One subscriber's queue; dispose it to stop receiving.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ControlPlaneEvents _owner;
        private readonly Channel<ControlPlaneEvent> _channel;

        internal Subscription(ControlPlaneEvents owner, int capacity)
        {
            _owner = owner;
            _channel = Channel.CreateBounded<ControlPlaneEvent>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
        }

        public ChannelReader<ControlPlaneEvent> Reader => _channel.Reader;

        internal void Write(ControlPlaneEvent @event) => _channel.Writer.TryWrite(@event);

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            _channel.Writer.TryComplete();
        }
    }
}
