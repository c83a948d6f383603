package io.sanctiongraph.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.SettingValueParsers;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs sanctiongraph's managed Neo4j: an embedded Community DBMS whose only door is
 * a Bolt connector on 127.0.0.1, with authentication on.
 *
 * <pre>
 * SANCTIONGRAPH_NEO4J_INITIAL_PASSWORD=... java -cp 'target/classes:target/lib/*' \
 *     io.sanctiongraph.neo4j.Launcher --home WORKSPACE/neo4j --bolt-port 7687 --pagecache 512m
 * </pre>
 *
 * <p>The password of user {@code neo4j} comes from the environment variable
 * {@value #PASSWORD_ENV} (not an argument, so {@code ps} never shows it). It is set
 * on first start (until {@code data/.initial-password-set} exists) by a start with
 * Bolt off, so the default neo4j/neo4j login is never reachable; and only while the
 * user still has that default password, so a changed password is never overwritten.
 *
 * <p>Data, transaction logs and logs live under the home directory; an optional
 * {@code conf/neo4j.conf} there is loaded first and the arguments win. Prints
 * {@code READY bolt://127.0.0.1:PORT} once Bolt accepts connections, then runs until
 * SIGTERM/SIGINT, when a shutdown hook stops the DBMS cleanly. Failures print one
 * {@code ERROR ...} line on stderr and exit 1.
 */
public final class Launcher {
    static final String PASSWORD_ENV = "SANCTIONGRAPH_NEO4J_INITIAL_PASSWORD";
    private static final String HOST = "127.0.0.1";

    private Launcher() {}

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = parse(args);
        Path home = Path.of(require(options, "--home")).toAbsolutePath();
        int port = port(require(options, "--bolt-port"));
        String pageCache = options.getOrDefault("--pagecache", "512m");
        String password = System.getenv().getOrDefault(PASSWORD_ENV, "");

        try {
            Path passwordSet = home.resolve("data").resolve(".initial-password-set");
            if (!password.isEmpty() && !Files.exists(passwordSet)) {
                withoutBolt(home, pageCache, system -> setInitialPassword(system, password));
                Files.createFile(passwordSet);
            }
            DatabaseManagementService dbms = build(home, port, pageCache, true);
            Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "neo4j-shutdown"));
        } catch (RuntimeException | IOException e) {
            fail("cannot start Neo4j in " + home + ": " + describe(e));
        }
        System.out.println("READY bolt://" + HOST + ":" + port);
        System.out.flush();
        new CountDownLatch(1).await(); // runs until a signal; the shutdown hook stops the DBMS
    }

    /** Builds and starts the DBMS; with {@code bolt}, Bolt is listening when this returns. */
    static DatabaseManagementService build(Path home, int port, String pageCache, boolean bolt) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
        Path conf = home.resolve("conf").resolve("neo4j.conf");
        if (Files.isRegularFile(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        return builder
                .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, SettingValueParsers.BYTES.parse(pageCache))
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(BoltConnector.enabled, bolt)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.enable_discovery, false) // no fleet broadcasts off loopback
                // The databases are checkpointed before Bolt stops; Netty's default 5 s
                // quiet period (taken twice) would only make every stop 10 s slower.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, Duration.ofMillis(200))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .build();
    }

    /**
     * Gives user neo4j the password, but only while it still has the default one
     * (password change required): a later start never overwrites a changed password.
     */
    static void setInitialPassword(GraphDatabaseService system, String password) {
        boolean fresh = system.executeTransactionally(
                "SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j' "
                        + "RETURN passwordChangeRequired",
                Map.of(),
                result -> result.hasNext() && Boolean.TRUE.equals(result.next().get("passwordChangeRequired")));
        if (fresh) {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        }
    }

    /** Starts the DBMS with Bolt off, runs {@code work} on the system database, stops it. */
    private static void withoutBolt(Path home, String pageCache, Consumer<GraphDatabaseService> work) {
        DatabaseManagementService dbms = build(home, 0, pageCache, false);
        try {
            work.accept(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME));
        } finally {
            dbms.shutdown();
        }
    }

    private static Map<String, String> parse(String[] args) {
        if (args.length % 2 != 0) {
            usage("argument " + args[args.length - 1] + " has no value");
        }
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            usage("missing " + name);
        }
        return value;
    }

    private static int port(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            usage("--bolt-port " + value + " is not a number");
            return -1;
        }
    }

    private static void usage(String problem) {
        fail(problem + "; usage: Launcher --home DIR --bolt-port PORT [--pagecache SIZE]");
    }

    /** One "ERROR ..." line on stderr (graph/server.py quotes it), then exit 1. */
    private static void fail(String message) {
        System.err.println("ERROR " + message);
        System.exit(1);
    }

    /** The top message plus the root cause, which usually names the real problem. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = String.valueOf(e.getMessage());
        return root == e ? message : message + " (cause: " + root + ")";
    }
}
