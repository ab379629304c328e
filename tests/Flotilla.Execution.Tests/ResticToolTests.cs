using Flotilla.Execution.Internal.Backups;
using Flotilla.Inventory;

namespace Flotilla.Execution.Tests;

/// <summary>How the restic driver reads a snapshot's size (the lab test in tests/Flotilla.Cli.Tests runs the real restic 0.14).</summary>
public sealed class ResticToolTests
{
    private static readonly Service App = new() { Name = "app", Host = "media" };

    [Fact]
    public void Restic_0_17_s_snapshot_summary_gives_the_size_and_0_14_s_snapshots_have_none_until_stats_say()
    {
        const string Snapshots = """
            [{"time":"2026-12-05T00:23:21.534186524Z","tree":"88af","paths":["/run/app-data"],"hostname":"media","username":"root","tags":["flotilla","service=app"],"id":"478409c75c10","short_id":"478409c7"},
             {"time":"2026-12-05T00:24:02.1Z","tree":"99b0","paths":["/run/app-data"],"hostname":"media","username":"root","tags":["flotilla","service=app","verified"],"id":"653b814b0000","short_id":"653b814b",
              "summary":{"backup_start":"2026-12-05T00:24:02.1Z","backup_end":"2026-12-05T00:24:03Z","files_new":1,"total_files_processed":1,"total_bytes_processed":9}}]
            """;

        var snapshots = ResticTool.Snapshots(App, Snapshots);

        Assert.Equal([null, 9L], snapshots.Select(s => s.Size));
        Assert.Equal([false, true], snapshots.Select(s => s.Verified));
    }

    [Fact]
    public void Restic_stats_lines_give_each_snapshot_its_restore_size_and_a_failed_one_stays_unknown()
    {
        var sizes = ResticTool.Sizes("478409c7 {\"total_size\":15,\"total_file_count\":3,\"snapshots_count\":1}\n653b814b \n");

        Assert.Equal(15L, Assert.Single(sizes, s => s.Key == "478409c7").Value);
        Assert.DoesNotContain("653b814b", sizes.Keys);
    }
}
