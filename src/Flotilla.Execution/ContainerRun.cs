using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// The <c>podman run</c> of a container, as NixOS's oci-containers module writes it for
/// <c>podman-NAME.service</c>: <c>--rm --name=NAME --log-driver=...</c>, then environment files,
/// environment, labels, published ports, user, volumes, devices, the entrypoint, the network and
/// the limits Flotilla reads (each only when <see cref="ContainerSpec.ExtraOptions"/> does not
/// already pass it), the extra options as written, the image and its command. An argument list:
/// nothing here is ever joined into a shell string. Stateless and thread safe.
/// </summary>
public static class ContainerRun
{
    /// <summary>The container's name on its host.</summary>
    public static string NameOf(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Container?.Name ?? service.Name;
    }

    /// <summary>Where a container's secrets are kept on its host.</summary>
    public static string SecretsDirectory(string name, ContainerSpec container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return container.SecretsDirectory is { } directory ? directory.TrimEnd('/') : "/run/flotilla-secrets/" + name;
    }

    /// <summary>A check that the container is running (polled 30 x 1 s, as its start may take a moment): the first gate of a started or restarted container.</summary>
    public static HealthCheck RunningCheck(string name) => new()
    {
        Kind = HealthCheckKind.Command,
        Phase = HealthCheckPhase.Startup,
        Interval = TimeSpan.FromSeconds(1),
        Timeout = TimeSpan.FromSeconds(10),
        Retries = 30,
        Command = $"[ \"$(podman container inspect --format '{{{{.State.Status}}}}' {RemoteShell.Quote(name)} 2>/dev/null)\" = running ]",
    };

    /// <summary>
    /// The gate of a service just started or restarted: for a container, first that it runs
    /// (<see cref="RunningCheck"/>), then its own checks; for any other service its own checks.
    /// Every path that starts a container gates it so (deploy, update, backup, restore, migration):
    /// its checks count only once podman has it running, however long podman takes to start it.
    /// </summary>
    public static IReadOnlyList<HealthCheck> GateChecks(Service service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Container is null ? service.HealthChecks : [RunningCheck(NameOf(service)), .. service.HealthChecks];
    }

    /// <summary>Arguments after <c>podman</c>: <c>run --rm --replace --name NAME ... IMAGE CMD...</c> (attached, as a unit runs it).</summary>
    public static IReadOnlyList<string> Arguments(string name, ContainerSpec container, string? logDriver = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(container);
        var arguments = new List<string> { "run", "--rm", "--replace", "--name=" + name, "--log-driver=" + (logDriver ?? container.LogDriver) };
        foreach (var file in container.EnvironmentFiles)
        {
            arguments.Add("--env-file=" + file);
        }

        foreach (var (key, value) in container.Environment)
        {
            arguments.Add("-e");
            arguments.Add(key + "=" + value);
        }

        foreach (var (key, value) in container.Labels)
        {
            arguments.Add("-l");
            arguments.Add(key + "=" + value);
        }

        foreach (var port in container.Ports)
        {
            arguments.Add("-p");
            arguments.Add(port);
        }

        if (container.User is { } user)
        {
            arguments.Add("-u");
            arguments.Add(user);
        }

        foreach (var volume in container.Volumes)
        {
            arguments.Add("-v");
            arguments.Add(volume);
        }

        var secrets = SecretsDirectory(name, container);
        foreach (var secret in container.Secrets)
        {
            arguments.Add("-v");
            arguments.Add($"{secrets}/{secret.Name}:{secret.MountPath ?? "/run/secrets/" + secret.Name}:ro");
        }

        foreach (var device in container.Devices)
        {
            arguments.Add("--device=" + device);
        }

        if (container.Privileged)
        {
            arguments.Add("--privileged");
        }

        if (container.Entrypoint is { } entrypoint)
        {
            arguments.Add("--entrypoint=" + entrypoint);
        }

        Add(arguments, container.ExtraOptions, ["--network", "--net"], container.Network);
        Add(arguments, container.ExtraOptions, ["--memory", "-m"], container.Memory);
        Add(arguments, container.ExtraOptions, ["--cpus"], container.Cpus);
        Add(arguments, container.ExtraOptions, ["--pids-limit"], container.TasksMax?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        arguments.AddRange(container.ExtraOptions);
        arguments.Add(container.Image);
        arguments.AddRange(container.Command);
        return arguments;
    }

    private static void Add(List<string> arguments, IReadOnlyList<string> extraOptions, string[] names, string? value)
    {
        if (value is null || extraOptions.Any(o => names.Any(n => o == n || o.StartsWith(n + "=", StringComparison.Ordinal))))
        {
            return;
        }

        arguments.Add(names[0] + "=" + value);
    }
}
