using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Flotilla.ControlPlane.Events;

/// <summary>
/// The in-process event stream: every subscriber gets its own queue, bounded in events and in
/// bytes, so a slow reader never slows the server or holds more than its bound: it loses its
/// own oldest events (and re-reads the store), or, when it asked for it, it is dropped whole
/// (and resumes from the store). A filter keeps out of the queue what the subscriber does not
/// want (another command's output). Thread safe.
/// </summary>
public sealed class ControlPlaneEvents
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private long _dropped;

    /// <summary>Subscribers dropped because their queue was full (<see cref="SubscriptionOptions.DropWhenFull"/>).</summary>
    public long SubscribersDropped => Interlocked.Read(ref _dropped);

    public Subscription Subscribe(int capacity = 10_000) => Subscribe(new SubscriptionOptions { Capacity = capacity });

    public Subscription Subscribe(SubscriptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var subscription = new Subscription(this, options);
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

    /// <summary>About what an event holds in memory, for the queues' byte bounds.</summary>
    internal static long SizeOf(ControlPlaneEvent @event) => @event switch
    {
        CommandOutput output => 160 + (2L * output.Line.Text.Length),
        CommandChanged changed => 200 + (2L * (changed.Message?.Length ?? 0)),
        _ => 100,
    };

    /// <summary>One subscriber's queue; dispose it to stop receiving.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly ControlPlaneEvents _owner;
        private readonly SubscriptionOptions _options;
        private readonly Channel<ControlPlaneEvent> _channel = Channel.CreateUnbounded<ControlPlaneEvent>(new UnboundedChannelOptions { SingleReader = false });
        private readonly Lock _gate = new();
        private int _count;
        private long _bytes;
        private long _lost;

        internal Subscription(ControlPlaneEvents owner, SubscriptionOptions options)
        {
            _owner = owner;
            _options = options;
            Reader = new CountingReader(this);
        }

        /// <summary>The events; completes when disposed, or when the queue overflowed and the subscriber was dropped (<see cref="Dropped"/>).</summary>
        public ChannelReader<ControlPlaneEvent> Reader { get; }

        /// <summary>True once the queue overflowed and this subscriber was dropped: its reader has completed, and what was queued is gone.</summary>
        public bool Dropped { get; private set; }

        /// <summary>How many of its oldest events this subscriber lost (when it is not dropped whole).</summary>
        public long Lost => Interlocked.Read(ref _lost);

        internal void Write(ControlPlaneEvent @event)
        {
            if (_options.Filter is { } filter && !filter(@event))
            {
                return;
            }

            var size = SizeOf(@event);
            lock (_gate)
            {
                if (Dropped)
                {
                    return;
                }

                if (_count + 1 > _options.Capacity || _bytes + size > _options.MaxBytes)
                {
                    if (_options.DropWhenFull)
                    {
                        Drop();
                        return;
                    }

                    while ((_count + 1 > _options.Capacity || _bytes + size > _options.MaxBytes) && _channel.Reader.TryRead(out var oldest))
                    {
                        _count--;
                        _bytes -= SizeOf(oldest);
                        _lost++;
                    }
                }

                if (_channel.Writer.TryWrite(@event))
                {
                    _count++;
                    _bytes += size;
                }
            }
        }

        private void Drop()
        {
            Dropped = true;
            _channel.Writer.TryComplete();
            // Let go of what was queued at once: the reader may not come back for a while.
            while (_channel.Reader.TryRead(out _))
            {
            }

            _count = 0;
            _bytes = 0;
            Interlocked.Increment(ref _owner._dropped);
            _owner._subscriptions.TryRemove(this, out _);
        }

        private bool TryTake([MaybeNullWhen(false)] out ControlPlaneEvent item)
        {
            lock (_gate)
            {
                if (!_channel.Reader.TryRead(out item))
                {
                    return false;
                }

                _count--;
                _bytes -= SizeOf(item);
                return true;
            }
        }

        public void Dispose()
        {
            _owner._subscriptions.TryRemove(this, out _);
            _channel.Writer.TryComplete();
        }

        /// <summary>Reads the channel and keeps the queue's counts.</summary>
        private sealed class CountingReader(Subscription subscription) : ChannelReader<ControlPlaneEvent>
        {
            public override Task Completion => subscription._channel.Reader.Completion;

            public override bool TryRead([MaybeNullWhen(false)] out ControlPlaneEvent item) => subscription.TryTake(out item);

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
                subscription._channel.Reader.WaitToReadAsync(cancellationToken);
        }
    }
}

/// <summary>How one subscriber's queue is bounded and what it takes; mutable, read when subscribing.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>The most events queued.</summary>
    public int Capacity { get; set; } = 10_000;

    /// <summary>The most bytes of events queued (about what they hold in memory: an output line's text counts twice its length).</summary>
    public long MaxBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Which events to queue (null: all).</summary>
    public Func<ControlPlaneEvent, bool>? Filter { get; set; }

    /// <summary>
    /// True: a full queue drops the subscriber (its reader completes, <see cref="ControlPlaneEvents.Subscription.Dropped"/>
    /// is set; it resumes from the store). False: the subscriber loses its oldest events instead.
    /// </summary>
    public bool DropWhenFull { get; set; }
}
