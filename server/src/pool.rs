//! The connections requests share: a bounded [`r2d2`] pool, a bounded
//! queue in front of it, and a ticket per request through which a request
//! that timed out or whose client left stops its statement.
//!
//! r2d2 was chosen over the async pools (deadpool, bb8) because every
//! driver is blocking and runs on tokio's blocking threads: an async pool
//! would hand out the same connections and still need those threads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_query::SelectStatement;
use siftql::sql::driver::{Driver, Interrupt};
use siftql::sql::load::{Cell, CellRef};
use siftql::sql::{Compiled, Schema};
use siftql::{Error, ErrorCode};

/// Opens a new connection.
pub(crate) type Connect = dyn Fn() -> Result<Box<dyn Driver>, Error> + Send + Sync;

/// A pooled connection, and whether it must not be used again.
pub(crate) struct Conn {
    pub(crate) db: Box<dyn Driver>,
    pub(crate) broken: bool,
}

/// The pool's side of [`Opener`].
pub(crate) struct Manager(pub(crate) Arc<Opener>);

/// Opens the pool's connections: the first one the service was built with,
/// then new ones from the connector, each tuned for reads and given the
/// statement timeout.
pub(crate) struct Opener {
    pub(crate) connect: Arc<Connect>,
    pub(crate) first: Mutex<Option<Box<dyn Driver>>>,
    /// The first connection's database is its own (`sqlite::memory:`): no
    /// other connection can replace it.
    pub(crate) private: bool,
    pub(crate) statement_timeout: Option<Duration>,
}

impl Opener {
    /// A new connection from the connector, tuned for reads, with the
    /// statement timeout.
    fn open(&self) -> Result<Box<dyn Driver>, Error> {
        let mut db = (self.connect)()?;
        db.tune_for_reads()?;
        db.set_statement_timeout(self.statement_timeout)?;
        Ok(db)
    }

    /// Replaces a connection that failed or was interrupted with a new one
    /// in place (so the pool, which wakes no waiter when it drops a broken
    /// connection, keeps its count); marks it broken when no new one opens.
    /// A private database's connection is kept: nothing can replace it.
    pub(crate) fn renew(&self, conn: &mut Conn) {
        if self.private {
            return;
        }
        match self.open() {
            Ok(db) => {
                let old = std::mem::replace(&mut conn.db, db);
                let _ = old.close();
            }
            Err(_) => conn.broken = true,
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = Error;

    fn connect(&self) -> Result<Conn, Error> {
        let this = &self.0;
        let first = this.first.lock().unwrap_or_else(|e| e.into_inner()).take();
        let mut db = match first {
            Some(db) => db,
            None if this.private => {
                return Err(Error::new(
                    ErrorCode::Database,
                    "the database was the first connection's own (in memory), and that \
                     connection is gone",
                ))
            }
            None => {
                return Ok(Conn {
                    db: this.open()?,
                    broken: false,
                })
            }
        };
        db.set_statement_timeout(this.statement_timeout)?;
        Ok(Conn { db, broken: false })
    }

    fn is_valid(&self, _: &mut Conn) -> Result<(), Error> {
        // Not asked (no test on checkout): a request that fails on a
        // connection marks it broken instead.
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken
    }
}

/// Writes the pool's failures to open connections to standard error (a
/// request waiting for one gets 503 once its deadline passes).
#[derive(Debug)]
pub(crate) struct LogErrors;

impl r2d2::HandleError<Error> for LogErrors {
    fn handle_error(&self, error: Error) {
        eprintln!(
            "siftql-server: cannot open a database connection: {}",
            error.message()
        );
    }
}

/// Where a request's database work is, as its handler and its blocking
/// task both see it.
#[derive(Default)]
pub(crate) struct Ticket {
    state: Mutex<State>,
}

#[derive(Default)]
enum State {
    /// Not on a connection yet.
    #[default]
    Waiting,
    /// Running statements; how to stop them.
    Running(Option<Interrupt>),
    /// Done with the connection.
    Done,
    /// Stopped by the handler (timed out, or the client left).
    Cancelled,
}

impl Ticket {
    /// The blocking task got its connection: `false` if the request was
    /// cancelled meanwhile (the connection must not be used).
    pub(crate) fn start(&self, interrupt: Option<Interrupt>) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*state, State::Cancelled) {
            return false;
        }
        *state = State::Running(interrupt);
        true
    }

    /// The blocking task is done with its connection: `true` if it was
    /// interrupted (the connection must not be used again).
    pub(crate) fn finish(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let cancelled = matches!(*state, State::Cancelled);
        *state = State::Done;
        cancelled
    }

    /// Whether the request has not got a connection yet.
    pub(crate) fn waiting(&self) -> bool {
        matches!(
            *self.state.lock().unwrap_or_else(|e| e.into_inner()),
            State::Waiting
        )
    }

    /// Whether the request was cancelled.
    pub(crate) fn cancelled(&self) -> bool {
        matches!(
            *self.state.lock().unwrap_or_else(|e| e.into_inner()),
            State::Cancelled
        )
    }

    /// Cancels the request: the statement it is running, if any, is to be
    /// stopped with the interrupt returned.
    pub(crate) fn cancel(&self) -> Option<Interrupt> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match std::mem::replace(&mut *state, State::Cancelled) {
            State::Running(interrupt) => interrupt,
            State::Done => {
                *state = State::Done;
                None
            }
            State::Waiting | State::Cancelled => None,
        }
    }
}

/// Stops a statement with its interrupt (blocking: on PostgreSQL a
/// connection of its own; on MySQL `KILL QUERY` on a new connection).
pub(crate) fn interrupt(connect: &Connect, interrupt: Interrupt) -> Result<(), Error> {
    match interrupt {
        Interrupt::Call(f) => f(),
        Interrupt::Statement(sql) => {
            let mut db = connect()?;
            let out = db.execute(&sql);
            let _ = db.close();
            out
        }
    }
}

/// A pooled connection seen through its request's [`Ticket`]: once the
/// request is cancelled, every further statement fails at once (the
/// interruption stops only the one running, and a request runs several).
pub(crate) struct Checked<'a> {
    pub(crate) db: &'a mut dyn Driver,
    pub(crate) ticket: &'a Ticket,
}

impl Checked<'_> {
    fn go(&mut self) -> Result<&mut dyn Driver, Error> {
        if self.ticket.cancelled() {
            return Err(Error::new(ErrorCode::Database, "the request was cancelled"));
        }
        Ok(&mut *self.db)
    }
}

impl Driver for Checked<'_> {
    fn dialect(&self) -> siftql::sql::Dialect {
        self.db.dialect()
    }
    fn create_table(&mut self, schema: &Schema) -> Result<(), Error> {
        self.go()?.create_table(schema)
    }
    fn execute(&mut self, sql: &str) -> Result<(), Error> {
        self.go()?.execute(sql)
    }
    fn begin(&mut self) -> Result<(), Error> {
        self.go()?.begin()
    }
    fn begin_snapshot(&mut self) -> Result<(), Error> {
        self.go()?.begin_snapshot()
    }
    fn commit(&mut self) -> Result<(), Error> {
        self.go()?.commit()
    }
    fn rollback(&mut self) -> Result<(), Error> {
        // Ending the transaction is never refused.
        self.db.rollback()
    }
    fn upsert(&mut self, schema: &Schema, rows: Vec<Vec<Cell>>) -> Result<(), Error> {
        self.go()?.upsert(schema, rows)
    }
    fn batch_rows(&self) -> usize {
        self.db.batch_rows()
    }
    fn rows(&mut self, select: &SelectStatement) -> Result<Vec<Vec<Cell>>, Error> {
        self.go()?.rows(select)
    }
    fn scan(
        &mut self,
        select: &SelectStatement,
        each: &mut dyn FnMut(&[CellRef<'_>]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.go()?.scan(select, each)
    }
    fn documents(
        &mut self,
        compiled: &Compiled,
        each: &mut dyn FnMut(&str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.go()?.documents(compiled, each)
    }
    fn explain(&mut self, select: &SelectStatement) -> Result<Vec<String>, Error> {
        self.go()?.explain(select)
    }
    fn data_version(&mut self) -> Result<Option<i64>, Error> {
        self.go()?.data_version()
    }
    fn tune_for_reads(&mut self) -> Result<(), Error> {
        self.go()?.tune_for_reads()
    }
    fn checkpoint(&mut self) -> Result<(), Error> {
        self.go()?.checkpoint()
    }
    fn interrupt(&self) -> Option<Interrupt> {
        self.db.interrupt()
    }
    fn set_statement_timeout(&mut self, limit: Option<Duration>) -> Result<(), Error> {
        self.go()?.set_statement_timeout(limit)
    }
    fn private(&self) -> bool {
        self.db.private()
    }
    fn close(self: Box<Self>) -> Result<(), Error> {
        // The connection is the pool's.
        Ok(())
    }
}
