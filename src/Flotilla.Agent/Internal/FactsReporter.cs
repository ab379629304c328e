using Flotilla.Contracts;

namespace Flotilla.Agent.Internal;

/// <summary>
/// When the agent probes its facts again, and whether they go to the server: a probe after an op
/// (<see cref="MarkStale"/>), when what <see cref="HostProbe.Fingerprint"/> watches changed, or
/// once per refresh; a send only when the facts differ from the last ones the server was given
/// (each facts message is a store write on the server). Thread safe.
/// </summary>
internal sealed class FactsReporter(HostProbe probe, TimeProvider time, TimeSpan refresh)
{
    private readonly Lock _gate = new();
    private string? _fingerprint;
    private long _probedAt;
    private string? _sent;
    private int _stale;

    /// <summary>An op ran: probe at the next heartbeat even if nothing watched changed.</summary>
    public void MarkStale() => Interlocked.Exchange(ref _stale, 1);

    /// <summary>The facts a new connection registers with; from then on they are the server's.</summary>
    public async Task<HostFacts> ForRegisterAsync(CancellationToken cancellationToken)
    {
        var facts = await ProbeAsync(cancellationToken).ConfigureAwait(false);
        Remember(facts);
        return facts;
    }

    /// <summary>At a heartbeat: the facts to send, or null when the server has them already.</summary>
    public async Task<HostFacts?> ChangedAsync(CancellationToken cancellationToken)
    {
        bool due;
        lock (_gate)
        {
            due = time.GetElapsedTime(_probedAt) >= refresh || probe.Fingerprint() != _fingerprint;
        }

        if (Interlocked.Exchange(ref _stale, 0) == 0 && !due)
        {
            return null;
        }

        var facts = await ProbeAsync(cancellationToken).ConfigureAwait(false);
        return Remember(facts) ? facts : null;
    }

    /// <summary>Notes facts as the server's; false when they are the ones it has.</summary>
    internal bool Remember(HostFacts facts)
    {
        // Compared as sent: the record's list of tags has no value equality.
        var json = Convert.ToBase64String(ProtocolSerializer.Serialize(new FactsMessage(facts)));
        lock (_gate)
        {
            if (json == _sent)
            {
                return false;
            }

            _sent = json;
            return true;
        }
    }

    private async Task<HostFacts> ProbeAsync(CancellationToken cancellationToken)
    {
        // The fingerprint first: a change while probing is then seen at the next heartbeat.
        lock (_gate)
        {
            _fingerprint = probe.Fingerprint();
            _probedAt = time.GetTimestamp();
        }

        return await probe.FactsAsync(cancellationToken).ConfigureAwait(false);
    }
}
