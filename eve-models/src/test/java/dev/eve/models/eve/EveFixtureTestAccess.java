package dev.eve.models.eve;

import java.nio.file.Path;

/** Lets tests in other packages use the fixture checkpoints EveFixtureTest puts together. */
public final class EveFixtureTestAccess {

    private EveFixtureTestAccess() {}

    public static Path checkpoint(String name, String task) {
        return EveFixtureTest.checkpoint(name, Task.parse(task));
    }
}
